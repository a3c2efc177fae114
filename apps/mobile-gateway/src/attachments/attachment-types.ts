/** What may be uploaded as an attachment, with the file extension of its key. */
export const ATTACHMENT_TYPES = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'audio/mpeg': 'mp3',
  'application/pdf': 'pdf',
} as const;
export type AttachmentType = keyof typeof ATTACHMENT_TYPES;

export function isAttachmentType(value: string): value is AttachmentType {
  return Object.hasOwn(ATTACHMENT_TYPES, value);
}
