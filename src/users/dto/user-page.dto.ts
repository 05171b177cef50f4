import { UserResponseDto } from './user-response.dto';

export class UserPageDto {
  items!: UserResponseDto[];
  /** Users matching the search, over all pages. */
  total!: number;
  page!: number;
  limit!: number;
}
