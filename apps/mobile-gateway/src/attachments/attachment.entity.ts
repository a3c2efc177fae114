import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** An attachment a handheld announced before uploading it; only its uploader may reference it as evidence. */
@Entity({ tableName: 'attachments' })
export class Attachment {
  @PrimaryKey({ type: 'text' })
  key!: string;

  @Property({ type: 'text' })
  uploaderSubject!: string;

  @Property({ type: 'text' })
  contentType!: string;

  @Property({ type: 'integer' })
  sizeBytes!: number;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
