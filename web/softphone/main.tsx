/**
 * The phone's own page (/phone): a user signs in with extension and SIP password. `?audio=raw` turns the
 * browser's voice processing off (echo cancellation, noise suppression, gain control), for measurements.
 */
import { createRoot } from 'react-dom/client';
import { PhoneClient } from './phone-client.ts';
import { Softphone } from './softphone.tsx';

const raw = new URLSearchParams(location.search).get('audio') === 'raw';
const client = new PhoneClient(
  raw ? { microphone: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } } : {},
);
const el = document.getElementById('root');
if (el) {
  document.body.style.margin = '0';
  el.style.cssText =
    'display:flex;justify-content:center;padding:32px 12px;background:#f5f7fa;min-height:100vh';
  createRoot(el).render(<Softphone client={client} />);
}
// Tests and diagnostics reach the phone from the page (the UI is the same object's view).
(globalThis as unknown as { parleyPhone: PhoneClient }).parleyPhone = client;
