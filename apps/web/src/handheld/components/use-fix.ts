import { useCallback, useEffect, useState } from 'react';
import { currentFix, type Fix } from '../geo';

/** The phone's position for a form: asked once when the form opens, and again on demand. */
export function useFix(auto = true) {
  const [fix, setFix] = useState<Fix>();
  const [error, setError] = useState<string>();
  const [locating, setLocating] = useState(false);
  const locate = useCallback(async (): Promise<Fix | undefined> => {
    setLocating(true);
    setError(undefined);
    try {
      const f = await currentFix();
      setFix(f);
      return f;
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return undefined;
    } finally {
      setLocating(false);
    }
  }, []);
  useEffect(() => {
    if (auto) void locate();
  }, [auto, locate]);
  return { fix, error, locating, locate, clear: () => setFix(undefined) };
}
