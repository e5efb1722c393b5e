'use client';
// A CSV file chosen in the browser, read in the encoding it was saved in (lib/text-encoding.ts: a GBK
// file from Excel on a Chinese Windows keeps its Chinese); a file in no encoding read is refused here,
// as the server would refuse it, and its text is then empty.
import { useState } from 'react';
import { useErrorText } from '@/app/_components/error-text';
import { chosenFileText, UNREADABLE_FILE } from '@/lib/text-encoding';

export function CsvFileInput({ id, onText }: { id: string; onText: (text: string, file: File | undefined) => void }) {
  const [unreadable, setUnreadable] = useState(false);
  const errorText = useErrorText();
  return (
    <>
      <input
        id={id}
        type="file"
        accept=".csv,text/csv"
        className="block text-sm"
        onChange={async (e) => {
          const file = e.target.files?.[0];
          const read = file ? await chosenFileText(file) : '';
          setUnreadable(read === null);
          onText(read ?? '', file);
        }}
      />
      {unreadable && (
        <p role="alert" className="mt-1 text-sm text-red-700">
          {errorText(UNREADABLE_FILE)}
        </p>
      )}
    </>
  );
}
