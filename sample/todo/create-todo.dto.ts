import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

/** The arguments of `create-todo`: a class-validator DTO, listed as the tool's JSON Schema and validated per call. */
export class CreateTodoDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  @JSONSchema({ description: 'What to do' })
  content!: string;

  @IsOptional()
  @IsIn(['low', 'normal', 'high'])
  @JSONSchema({ description: 'low, normal (default) or high' })
  priority?: 'low' | 'normal' | 'high';
}
