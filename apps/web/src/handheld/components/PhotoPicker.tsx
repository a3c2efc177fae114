import { useEffect, useId, useState } from 'react';
import { Button, Spin } from 'antd';
import { CameraOutlined, CloseOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { resizePhoto } from '../offline/photos';

export interface PickedPhoto {
  readonly name: string;
  readonly blob: Blob;
}

/**
 * Photos from the camera or the gallery, made smaller on the phone at once (kept in the queue as
 * blobs until sent). The input is labelled, so that a screen reader and a test find it by name.
 */
export function PhotoPicker({ label, value, onChange, max = 9 }: { label: string; value: PickedPhoto[]; onChange: (photos: PickedPhoto[]) => void; max?: number }) {
  const { t } = useTranslation();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [urls, setUrls] = useState<string[]>([]);
  useEffect(() => {
    const made = value.map((p) => URL.createObjectURL(p.blob));
    setUrls(made);
    return () => made.forEach((u) => URL.revokeObjectURL(u));
  }, [value]);

  const add = async (files: FileList | null) => {
    if (!files?.length) return;
    setBusy(true);
    try {
      const picked: PickedPhoto[] = [];
      for (const f of [...files].slice(0, max - value.length)) picked.push({ name: f.name.replace(/\.[^.]+$/, '') + '.jpg', blob: await resizePhoto(f) });
      onChange([...value, ...picked]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <label className="hh-file" htmlFor={id}>
        <CameraOutlined />
        {label}
        <input id={id} type="file" accept="image/*" capture="environment" multiple disabled={busy || value.length >= max} onChange={(e) => void add(e.target.files).then(() => (e.target.value = ''))} />
      </label>
      {busy && <Spin size="small" style={{ marginLeft: 12 }} />}
      {value.length > 0 && (
        <div className="hh-photos" aria-label={t('hh.photos.list', { count: value.length })} role="list">
          {value.map((p, i) => (
            <figure key={`${p.name}-${i}`} role="listitem">
              {urls[i] && <img src={urls[i]} alt={p.name} />}
              <Button size="small" shape="circle" icon={<CloseOutlined />} aria-label={t('hh.photos.remove', { name: p.name })} onClick={() => onChange(value.filter((_, j) => j !== i))} />
              <figcaption className="hh-muted" style={{ fontSize: 12 }}>{t('hh.photos.size', { kb: Math.round(p.blob.size / 1024) })}</figcaption>
            </figure>
          ))}
        </div>
      )}
    </div>
  );
}
