/**
 * The camera part of "Scan code", loaded only when the cashier opens it (its own chunk, with the
 * decoding worker and the wasm behind it), so the sale screen's first load stays small.
 * Shows the rear camera, lets the cashier pick another one, and hands every decoded code to
 * `onRead`. The camera and the worker stop when this unmounts: the parent unmounts it when a code
 * is taken, when the panel closes, or when the screen goes.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { T } from '../t.ts';
import { cameraErrorKey } from './camera-errors.ts';
import type { DecodeReply, Decoded } from './protocol.ts';

/** Frames are scaled down to this many pixels on their long side: enough for a phone screen held up, cheap to decode. */
const MAX_SIDE = 960;
/** About 10 frames a second: a code is read within a blink, and a slow device keeps its CPU for the UI. */
const FRAME_MS = 100;

import type { Key } from '../i18n.ts';

/** An error keeps its key, not its text, so it follows a change of language. */
type State = { kind: 'starting' } | { kind: 'running' } | { kind: 'error'; key: Key; vars?: Record<string, string> };

export default function CameraView({ t, onRead }: { t: T; onRead(code: Decoded): void }) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<State>({ kind: 'starting' });
  const [devices, setDevices] = useState<Array<{ id: string; label: string }>>([]);
  const [deviceId, setDeviceId] = useState<string | null>(null);
  const read = useRef(onRead);
  /** The camera the browser picked for "rear", so the list shows it selected. */
  const currentId = useRef<string | null>(null);
  read.current = onRead;

  useEffect(() => {
    let stopped = false;
    let stream: MediaStream | null = null;
    let worker: Worker | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let busy = false;
    const canvas = document.createElement('canvas');
    const fail = (key: Key, vars?: Record<string, string>) => { if (!stopped) setState(vars ? { kind: 'error', key, vars } : { kind: 'error', key }); stop(); };
    const stop = () => {
      clearTimeout(timer);
      if (stream) stream.getTracks().forEach((tr) => tr.stop());
      stream = null;
      if (worker) worker.terminate();
      worker = null;
      const v = videoRef.current;
      if (v) v.srcObject = null;
    };

    const tick = () => {
      if (stopped || !worker) return;
      const v = videoRef.current;
      if (!busy && v && v.readyState >= 2 && v.videoWidth > 0) {
        const k = Math.min(1, MAX_SIDE / Math.max(v.videoWidth, v.videoHeight));
        canvas.width = Math.round(v.videoWidth * k);
        canvas.height = Math.round(v.videoHeight * k);
        const ctx = canvas.getContext('2d');
        if (ctx) {
          ctx.drawImage(v, 0, 0, canvas.width, canvas.height);
          const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
          busy = true;
          worker.postMessage({ image }, [image.data.buffer]);
        }
      }
      timer = setTimeout(tick, FRAME_MS);
    };

    const start = async () => {
      if (!window.isSecureContext) return fail('cameraInsecure');
      const md = navigator.mediaDevices;
      if (!md || !md.getUserMedia) return fail('cameraUnsupported');
      try {
        stream = await md.getUserMedia({
          audio: false,
          video: deviceId ? { deviceId: { exact: deviceId } } : { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
        });
      } catch (e) {
        const name = e && typeof e === 'object' && 'name' in e ? String((e as { name: unknown }).name) : '';
        return fail(cameraErrorKey(name), { detail: name || String(e) });
      }
      if (stopped) { stop(); return; }
      const track = stream.getVideoTracks()[0];
      const current = track && track.getSettings ? track.getSettings().deviceId : undefined;
      if (current) currentId.current = current;
      // Labels are only given once the camera is allowed, so the list is read after getUserMedia.
      md.enumerateDevices().then((all) => {
        if (stopped) return;
        const cams = all.filter((d) => d.kind === 'videoinput').map((d, i) => ({ id: d.deviceId, label: d.label || t('cameraNth', { n: i + 1 }) }));
        setDevices(cams);
      }, () => undefined);
      const v = videoRef.current;
      if (!v) { stop(); return; }
      v.srcObject = stream;
      // Not awaited: frames are read once the video has them (readyState), whenever play() settles.
      v.play().catch(() => undefined);
      worker = new Worker(new URL('./scan-worker.ts', import.meta.url));
      worker.onmessage = (e: MessageEvent<DecodeReply>) => {
        busy = false;
        if (stopped) return;
        const r = e.data;
        if (!r.ok) return fail('cameraDecoderFailed', { detail: r.message });
        const first = r.codes[0];
        if (first) read.current(first);
      };
      worker.onerror = (e) => { e.preventDefault(); fail('cameraDecoderFailed', { detail: e.message || 'worker' }); };
      setState({ kind: 'running' });
      tick();
    };
    start();
    return () => { stopped = true; stop(); };
  }, [deviceId]);

  const selected = deviceId ?? currentId.current ?? '';

  return (
    <div class="camera" id="camera" data-state={state.kind}>
      {state.kind === 'error'
        ? <p class="error" role="alert" id="camera-error">{t(state.key, state.vars)}</p>
        : <p class="muted">{state.kind === 'starting' ? t('cameraStarting') : t('cameraAim')}</p>}
      {devices.length > 1 ? (
        <label>{t('cameraChoose')}
          <select id="camera-device" value={selected} onChange={(e) => setDeviceId((e.target as HTMLSelectElement).value)}>
            {devices.map((d) => <option key={d.id} value={d.id}>{d.label}</option>)}
          </select>
        </label>
      ) : null}
      <video ref={videoRef} id="camera-video" muted playsInline autoPlay
        style={{ width: '100%', maxHeight: '50vh', background: '#000', borderRadius: '8px', display: state.kind === 'error' ? 'none' : 'block' }} />
    </div>
  );
}
