// Import a JSON file of a config or results (exported here, or written by the headless runner).
import { useId, useState } from 'react';
import { importJson, MAX_FILE_BYTES, type Decoded } from '../experiment/codec';

export function ImportPanel({ onImport }: { onImport: (decoded: Decoded, fileName: string) => void }) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) return setError(`"${file.name}" is larger than ${MAX_FILE_BYTES / 2 ** 20} MB.`);
    const decoded = importJson(await file.text());
    if (!decoded.ok) return setError(`Could not import "${file.name}": ${decoded.message}`);
    setError(null);
    onImport(decoded, file.name);
  };
  return (
    <div className="import" data-testid="import">
      <label htmlFor={id}>Import a JSON file (config or results)</label>{' '}
      <input id={id} type="file" accept=".json,application/json" data-testid="import-file" onChange={(e) => void onFile(e.target.files?.[0]).finally(() => (e.target.value = ''))} />
      {error && (
        <p className="error-text" role="alert" data-testid="import-error">
          {error}
        </p>
      )}
    </div>
  );
}
