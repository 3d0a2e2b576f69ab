import type { Client } from '../api.ts';
import { SoundToggle } from '../announce.tsx';
import { DisplayPairing } from '../display-link.tsx';
import { LANGS, LANG_NAMES, type Lang } from '../i18n.ts';
import { ScannerSettings } from '../scanner-settings.tsx';
import type { T } from '../t.ts';

/** This terminal's own settings: language, sound, the scanner gun, the customer display. */
export function Settings({ t, lang, client, onLang, onBack }: { t: T; lang: Lang; client: Client; onLang(l: Lang): void; onBack(): void }) {
  return (
    <div class="settings" id="settings">
      <section class="card">
        <h1>{t('settingsTitle')}</h1>
        <div class="row left" role="group" aria-label={t('language')}>
          <strong>{t('language')}</strong>
          {LANGS.map((l) => <button type="button" key={l} class={l === lang ? 'on small' : 'small'} onClick={() => onLang(l)}>{LANG_NAMES[l]}</button>)}
        </div>
        <SoundToggle t={t} />
        <div class="row left"><button type="button" class="small" id="settings-back" onClick={onBack}>{t('cancel')}</button></div>
      </section>
      <section class="card"><ScannerSettings t={t} /></section>
      <DisplayPairing t={t} client={client} />
    </div>
  );
}
