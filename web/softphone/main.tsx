/** Placeholder page for the browser phone, so the multi-page build has its second entry. */
import { createRoot } from 'react-dom/client';

const el = document.getElementById('root');
if (el) createRoot(el).render(<p>Phone coming.</p>);
