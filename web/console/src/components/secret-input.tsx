/** A password box with Generate, Show/Hide and Copy, for SIP passwords people paste into phones. */
import { useRef, useState } from 'react';
import type { ControlProps } from './field.tsx';

const ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random password without look-alike characters (no 0/O, 1/l/I), 20 characters ≈ 117 bits. */
export function generatePassword(length = 20): string {
  const bytes = new Uint32Array(length);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

export interface SecretInputProps extends ControlProps {
  value: string;
  onChange: (v: string) => void;
  placeholder?: string;
}

export function SecretInput({ value, onChange, placeholder, ...control }: SecretInputProps) {
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState<string>();
  const ref = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(value);
      else {
        ref.current?.select();
        document.execCommand('copy');
      }
      setCopied('Copied.');
    } catch {
      setCopied('Could not copy: select the password and copy it by hand.');
    }
  };
  return (
    <div className="secret">
      <input
        {...control}
        ref={ref}
        type={shown ? 'text' : 'password'}
        autoComplete="new-password"
        spellCheck={false}
        value={value}
        placeholder={placeholder}
        onChange={(e) => {
          setCopied(undefined);
          onChange(e.target.value);
        }}
      />
      <div className="secret-buttons">
        <button
          type="button"
          className="button button-small"
          onClick={() => {
            onChange(generatePassword());
            setShown(true);
            setCopied(undefined);
          }}
        >
          Generate
        </button>
        <button
          type="button"
          className="button button-small"
          aria-pressed={shown}
          onClick={() => setShown(!shown)}
        >
          {shown ? 'Hide' : 'Show'}
        </button>
        <button type="button" className="button button-small" disabled={!value} onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <span className="secret-status" role="status">
        {copied}
      </span>
    </div>
  );
}
