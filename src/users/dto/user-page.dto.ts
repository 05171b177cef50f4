import { UserResponseDto } from './user-response.dto';

export class UserPageDto {
  items!: UserResponseDto[];
  /** Users matching the search, over all pages. @example 1 */
  total!: number;
  /** @example 1 */
  page!: number;
  /** @example 20 */
  limit!: number;
}
