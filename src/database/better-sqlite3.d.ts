// The part of better-sqlite3's API that backup.ts uses (the package ships no types and @types/better-sqlite3
// is not a dependency). Delete this file if @types/better-sqlite3 is ever added.
declare module 'better-sqlite3' {
  namespace Database {
    interface Options {
      readonly?: boolean;
      fileMustExist?: boolean;
      /** Milliseconds to wait for a lock (default 5000). */
      timeout?: number;
    }
    interface Database {
      pragma(source: string, options?: { simple?: boolean }): unknown;
      backup(destination: string): Promise<{ totalPages: number; remainingPages: number }>;
      close(): this;
    }
  }
  const Database: new (filename: string, options?: Database.Options) => Database.Database;
  export = Database;
}
