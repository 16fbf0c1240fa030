/**
 * Measurements that answer asynchronously: storage, battery, device counts, client hints, the notification
 * permission, and (startPeerConnection) the WebRTC local address. Each fills its keys when it answers;
 * whatever has not answered when the hit is sent stays ''. None of these can raise a permission prompt (enumerateDevices without
 * getUserMedia, permissions.query, an RTCPeerConnection without media).
 */
import { bit, type Data, type Loose, nav, put, safe, win } from './util';

export interface AsyncState {
  /** Closes what is still open (the peer connection) once the hit is sent. */
  close(): void;
  clientHintsPlatform?: string;
  webrtcBlocked: boolean;
}

export function startAsync(d: Data): AsyncState {
  const state: AsyncState = { close: () => {}, webrtcBlocked: false };
  const keys =
    'storageQuota storageUsed batteryLevel batteryCharging audioInputs videoInputs localIp botPermInconsistent uaArch uaBitness uaModel uaPlatformVersion uaFullVersion uaWow64 uaMobile uaPlatform uaBrands uaFormFactor';
  for (const k of keys.split(' ')) d[k] = '';
  const later = (p: () => Promise<unknown> | undefined, fill: (v: Loose) => void) => {
    try {
      p()?.then(
        (v) => safe(() => fill(v), undefined),
        () => {},
      );
    } catch {}
  };

  later(
    () => nav.storage?.estimate(),
    (e) => {
      put(d, 'storageQuota', () => Math.round(e.quota / 1073741824));
      put(d, 'storageUsed', () => Math.round(e.usage / 1048576));
    },
  );
  later(
    () => nav.getBattery?.(),
    (b) => {
      put(d, 'batteryLevel', () => Math.round(b.level * 100));
      put(d, 'batteryCharging', () => bit(b.charging));
    },
  );
  later(
    () => nav.mediaDevices?.enumerateDevices(),
    (list: MediaDeviceInfo[]) => {
      d.audioInputs = list.filter((x) => x.kind === 'audioinput').length;
      d.videoInputs = list.filter((x) => x.kind === 'videoinput').length;
    },
  );
  const uad = nav.userAgentData;
  if (uad) {
    const list = (brands: { brand: string; version: string }[] | undefined) =>
      (brands || []).map((x) => `${x.brand}/${x.version}`).join('|');
    put(d, 'uaMobile', () => bit(uad.mobile));
    put(d, 'uaPlatform', () => uad.platform);
    put(d, 'uaBrands', () => list(uad.brands));
    later(
      () =>
        uad.getHighEntropyValues([
          'architecture',
          'bitness',
          'model',
          'platformVersion',
          'fullVersionList',
          'wow64',
          'formFactors',
        ]),
      (h) => {
        put(d, 'uaArch', () => h.architecture);
        put(d, 'uaBitness', () => h.bitness);
        put(d, 'uaModel', () => h.model);
        put(d, 'uaPlatformVersion', () => h.platformVersion);
        put(d, 'uaFullVersion', () => list(h.fullVersionList));
        put(d, 'uaWow64', () => bit(h.wow64));
        put(d, 'uaFormFactor', () => (h.formFactors || []).join(','));
        state.clientHintsPlatform = h.platform;
      },
    );
  } else {
    for (const k of ['uaMobile', 'uaWow64']) d[k] = '';
  }
  // Reading the state only: `Notification.permission` and permissions.query never prompt.
  later(
    () => nav.permissions?.query({ name: 'notifications' }),
    (status) => {
      const current = safe(() => win.Notification?.permission, undefined);
      d.botPermInconsistent = bit(status.state === 'denied' && current === 'default');
    },
  );

  return state;
}

/**
 * The WebRTC local address: a peer connection without media (no prompt), closed by `state.close` once the hit
 * is sent. Started apart from startAsync because creating it holds the main thread ~20 ms (collector/src/main.ts
 * runs it in a task of its own).
 */
export function startPeerConnection(d: Data, state: AsyncState): void {
  const RTC = win.RTCPeerConnection || win.webkitRTCPeerConnection;
  if (!RTC) state.webrtcBlocked = true;
  else
    try {
      const pc = new RTC({ iceServers: [] }) as RTCPeerConnection;
      state.close = () => safe(() => pc.close(), undefined);
      pc.createDataChannel('');
      pc.onicecandidate = (e) => {
        const ip = /(\d{1,3}(?:\.\d{1,3}){3})/.exec(e.candidate?.candidate || '');
        if (ip && !d.localIp) d.localIp = ip[1] as string;
      };
      pc.createOffer()
        .then((offer) => pc.setLocalDescription(offer))
        .catch(() => {});
    } catch {
      state.webrtcBlocked = true;
    }
}
