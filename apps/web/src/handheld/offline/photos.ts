/** The longest edge of a photo as uploaded: enough to read a plate or a crack, a few hundred KB. */
export const PHOTO_MAX_EDGE = 1600;
const QUALITY = 0.82;

/**
 * A photo from the camera or the gallery, made smaller on the phone before it is queued: a 12 MP
 * picture (4–8 MB) becomes a JPEG of at most 1600 px on its longest edge, so that the queue and the
 * upload stay small on a weak network. The picture's orientation is applied.
 */
export async function resizePhoto(file: Blob): Promise<Blob> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    const scale = Math.min(1, PHOTO_MAX_EDGE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas on this device');
    ctx.drawImage(bitmap, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the photo could not be encoded'))), 'image/jpeg', QUALITY));
  } finally {
    bitmap.close();
  }
}
