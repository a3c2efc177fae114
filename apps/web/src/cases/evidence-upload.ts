import i18n from 'i18next';
import { api, unwrap } from '../shared/api/client';

const TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

/**
 * A photo as evidence: announced at the tier's gateway (type, size), then sent straight to the
 * tier's bucket with the presigned PUT it returns; the key goes into the action. Progress 0–100.
 */
export async function uploadEvidence(file: File, progress: (percent: number) => void): Promise<string> {
  const type = (TYPES as readonly string[]).includes(file.type) ? (file.type as (typeof TYPES)[number]) : undefined;
  if (!type) throw new Error(i18n.t('inputs.evidence') + ': image/jpeg, image/png, image/webp');
  const announced = await unwrap(api.gateway.POST('/api/v1/attachments', { body: { contentType: type, sizeBytes: file.size } }));
  await new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(announced.upload.method, announced.upload.url);
    for (const [k, v] of Object.entries(announced.upload.headers)) xhr.setRequestHeader(k, String(v));
    xhr.upload.onprogress = (e) => e.lengthComputable && progress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`upload: HTTP ${xhr.status}`)));
    xhr.onerror = () => reject(new Error('upload: the storage did not answer'));
    xhr.send(file);
  });
  return announced.key;
}
