/**
 * The digital receptionist's recordings, committed as audio (made by `make-prompts.sh`): spoken prompts
 * per language, the join/leave tones and the music on hold. Every file is mono 16-bit 16 kHz WAV.
 * This module only names files; it reads nothing.
 */
import { fileURLToPath } from 'node:url';

/** The folder holding the recordings. */
export const PROMPTS_DIR: string = fileURLToPath(new URL('.', import.meta.url));

/** Spoken prompts, one file per language each. */
export const PROMPT_NAMES = [
  'enter-access-code',
  'wrong-code',
  'goodbye',
  'entering',
  'only-participant',
  'wait-for-admin',
  'conference-starting',
  'conference-locked',
  'conference-full',
  'not-available',
] as const;
export type PromptName = (typeof PROMPT_NAMES)[number];

/** Short tones, the same in every language. */
export const TONE_NAMES = ['join', 'leave'] as const;
export type ToneName = (typeof TONE_NAMES)[number];

/** Languages with a full set of spoken prompts. */
export const LANGUAGES = ['en', 'fr', 'nl', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/**
 * The language folder to use for a tag such as `fr`, `fr-BE` or `nl_NL`: its primary subtag when Parley
 * has it, English otherwise.
 */
export function resolveLanguage(tag: string | undefined): Language {
  const primary = (tag ?? '').toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(primary ?? '') ? (primary as Language) : DEFAULT_LANGUAGE;
}

/** Path of a spoken prompt in `lang` (falls back to English for a language Parley lacks). */
export function promptPath(lang: string | undefined, name: PromptName, root: string = PROMPTS_DIR): string {
  return `${withSlash(root)}${resolveLanguage(lang)}/${name}.wav`;
}

/** Path of a tone. */
export function tonePath(name: ToneName, root: string = PROMPTS_DIR): string {
  return `${withSlash(root)}tones/${name}.wav`;
}

/** Path of a music-on-hold piece (24 s, loopable: it ends on the chord that leads back to its start). */
export function musicOnHoldPath(name = 'default', root: string = PROMPTS_DIR): string {
  return `${withSlash(root)}moh/${name}.wav`;
}

/** Music on hold, as a sound name. */
export const MUSIC_ON_HOLD = 'music-on-hold';

/**
 * Every sound a call flow or a room asks the media to play: a spoken prompt, a tone or the music on hold.
 * Call flows name sounds; the code that owns the call (and knows its language) turns names into files
 * with `soundPath`.
 */
export type SoundName = PromptName | ToneName | typeof MUSIC_ON_HOLD;

/** Path of any sound in `lang` (tones and music are the same in every language). */
export function soundPath(lang: string | undefined, name: SoundName, root: string = PROMPTS_DIR): string {
  if (name === MUSIC_ON_HOLD) return musicOnHoldPath('default', root);
  if ((TONE_NAMES as readonly string[]).includes(name)) return tonePath(name as ToneName, root);
  return promptPath(lang, name as PromptName, root);
}

function withSlash(dir: string): string {
  return dir.endsWith('/') ? dir : `${dir}/`;
}
