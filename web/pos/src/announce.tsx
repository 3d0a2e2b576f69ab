import { useState } from 'preact/hooks';
import type { Lang } from './i18n.ts';
import type { T } from './t.ts';
import { pickVoice, spokenPhrase, UTTERANCE_LANG } from '../../display/src/spoken.ts';

/**
 * "到账": a chime and the amount spoken, the way Chinese counters are used to hearing a payment land.
 * Research (research/terminal.md §1.5) says a merchant trusts the sound as much as the screen, and that
 * a silent speaker made cashiers think money had not arrived: so the chime is generated here (no file,
 * works offline), and the voice is a bonus where the device has speech synthesis and a voice for the
 * language. The customer display (web/display) uses the same sounds with its own mute switch.
 */

export const POS_SOUND_KEY = 'saoma.pos.sound';

export { amountDigits, pickVoice, spokenPhrase, UTTERANCE_LANG } from '../../display/src/spoken.ts';

let audio: AudioContext | null = null;

/** The shared audio context, resumed: browsers start it suspended until the person has touched the page. */
function audioContext(): AudioContext | null {
  try {
    if (!audio) {
      const Ctx = window.AudioContext || (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
      if (!Ctx) return null;
      audio = new Ctx();
    }
    if (audio.state === 'suspended') audio.resume().catch(() => undefined);
    return audio;
  } catch {
    return null;
  }
}

/** Call from a tap or a key press: after that the chime may play without one (autoplay rules). */
export function primeAudio(): void {
  audioContext();
}

/** Two rising notes (C6, E6), about 0.4 s, generated on the spot. */
export function chime(): void {
  const ctx = audioContext();
  if (!ctx) return;
  try {
    const start = ctx.currentTime + 0.02;
    for (const note of [{ freq: 1046.5, at: start }, { freq: 1318.5, at: start + 0.13 }]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.setValueAtTime(note.freq, note.at);
      gain.gain.setValueAtTime(0.0001, note.at);
      gain.gain.exponentialRampToValueAtTime(0.35, note.at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, note.at + 0.28);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(note.at);
      osc.stop(note.at + 0.3);
    }
  } catch { /* no sound beats a broken sale screen */ }
}

/** Speak the phrase if this device can; quietly nothing if it cannot (no speechSynthesis, no voice). */
export function speakPaid(lang: Lang, minor: number): void {
  const synth = typeof window !== 'undefined' ? window.speechSynthesis : undefined;
  if (!synth || typeof SpeechSynthesisUtterance === 'undefined') return;
  try {
    const voices = synth.getVoices();
    let say = lang;
    let voice = pickVoice(voices, lang);
    // Chinese read by an English-only voice is noise; the English phrase is at least understood.
    if (!voice && voices.length > 0 && lang !== 'en') {
      voice = pickVoice(voices, 'en');
      if (voice) say = 'en';
    }
    const u = new SpeechSynthesisUtterance(spokenPhrase(say, minor));
    u.lang = voice ? voice.lang : UTTERANCE_LANG[say];
    if (voice) u.voice = voice;
    u.rate = 1;
    synth.cancel(); // a queue of old announcements would read out sales long gone
    synth.speak(u);
  } catch { /* as above */ }
}

/** The chime, then the amount spoken once the chime has rung. */
export function playPaid(lang: Lang, minor: number): void {
  chime();
  setTimeout(() => speakPaid(lang, minor), 450);
}

export function soundOn(key: string = POS_SOUND_KEY): boolean {
  try { return localStorage.getItem(key) !== 'off'; } catch { return true; }
}

export function setSoundOn(on: boolean, key: string = POS_SOUND_KEY): void {
  try { localStorage.setItem(key, on ? 'on' : 'off'); } catch { /* private mode: on for this page only */ }
}

/** "到账": a chime and the amount spoken in the cashier's language, unless muted on this device. */
export function announcePaid(lang: Lang, minor: number): void {
  if (soundOn(POS_SOUND_KEY)) playPaid(lang, minor);
}

/** The mute switch for the announcement; the tap also unlocks audio for later announcements. */
export function SoundToggle({ t }: { t: T }) {
  const [on, setOn] = useState(() => soundOn(POS_SOUND_KEY));
  return (
    <button type="button" id="sound-toggle" class={on ? 'on small' : 'small'} aria-pressed={on} title={t('announceToggle')}
      onClick={() => { primeAudio(); setSoundOn(!on, POS_SOUND_KEY); setOn(!on); }}>
      {on ? t('announceOn') : t('announceOff')}
    </button>
  );
}
