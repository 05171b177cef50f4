import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { UserRole } from './user-role';

@Entity('users')
export class User {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  username!: string;

  /** NFKC, lower-cased: the unique key, so look-alikes and case variants collide. */
  @Column({ name: 'username_normalized', type: 'varchar', length: 32, unique: true })
  usernameNormalized!: string;

  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'email_normalized', type: 'varchar', length: 254, unique: true })
  emailNormalized!: string;

  /** Never selected by default: only the credential check reads it back. Null: the user signs in through a provider. */
  @Column({ name: 'password_hash', type: 'varchar', length: 60, select: false, nullable: true })
  passwordHash!: string | null;

  @Column({ type: 'simple-array' })
  roles!: UserRole[];

  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified!: boolean;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
