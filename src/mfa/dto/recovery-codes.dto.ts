export class RecoveryCodesDto {
  /** Ten single-use codes, shown this once: keep them somewhere safe. @example ["7kq2-m9vd-4hxt", "pz3e-0wcn-8bja"] */
  recoveryCodes!: string[];
}
