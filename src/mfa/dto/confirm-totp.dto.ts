import { TotpCodeField } from '../../auth/second-factors/second-factor-fields';

export class ConfirmTotpDto {
  @TotpCodeField()
  code!: string;
}
