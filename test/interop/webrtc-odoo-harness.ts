/**
 * Test support: SIP.js 0.21.2 in Chromium configured as Odoo's VoIP widget configures it — user agent URI
 * `sip:<username>@<PBX server address>`, `authorizationUsername`/`authorizationPassword` = the user's VoIP
 * username and secret, `transportOptions.server` = the WebSocket URL, `hackIpInContact`, an ICE gathering
 * timeout of 1 s and no ICE servers, DTMF by `sessionDescriptionHandler.sendDtmf(key)` one key per click,
 * hold by a re-INVITE with `hold` in the handler's options. The library is served as ES modules from
 * node_modules by a small loopback server, with a blank page; the microphone has voice processing off so a
 * test tone stays a tone.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve } from 'node:path';
import type { Page } from 'playwright-core';

const SIPJS_LIB = resolve(import.meta.dirname, '..', '..', 'node_modules', 'sip.js', 'lib');

/** The page-side phone: what the tests drive. */
const HARNESS = `
import * as SIP from '/sip.js/index.js';
const state = { registered: false, registerStatus: 0, call: 'idle', failStatus: 0, holdAnswers: [], ua: null, session: null };
const raw = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
function watch(session) {
  state.session = session;
  session.stateChange.addListener((s) => {
    if (s === SIP.SessionState.Established) {
      state.call = 'established';
      state.establishedAt = performance.now();
      globalThis.__parleyProbe.listen(session.sessionDescriptionHandler.remoteMediaStream);
    } else if (s === SIP.SessionState.Terminated) {
      state.call = 'terminated';
    }
  });
}
globalThis.odooPhone = {
  state,
  version: SIP.version,
  async register({ username, secret, pbxAddress, webSocketUrl }) {
    const ua = new SIP.UserAgent({
      authorizationPassword: secret,
      authorizationUsername: username,
      delegate: {
        onInvite: (invitation) => {
          watch(invitation);
          invitation.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: raw, video: false } } });
        },
      },
      hackIpInContact: true,
      logBuiltinEnabled: false,
      sessionDescriptionHandlerFactoryOptions: {
        iceGatheringTimeout: 1000,
        peerConnectionConfiguration: { iceServers: [] },
      },
      transportOptions: { server: webSocketUrl },
      uri: SIP.UserAgent.makeURI('sip:' + username + '@' + pbxAddress),
      userAgentString: 'Odoo SIP.js/' + SIP.version,
    });
    state.ua = ua;
    await ua.start();
    const registerer = new SIP.Registerer(ua, { expires: 300 });
    await new Promise((resolve) => {
      registerer.stateChange.addListener((s) => {
        if (s === SIP.RegistererState.Registered) { state.registered = true; resolve(); }
      });
      registerer.register({ requestDelegate: { onReject: (r) => { state.registerStatus = r.message.statusCode; resolve(); } } });
    });
    return state.registered ? 200 : state.registerStatus;
  },
  async call(number) {
    const target = SIP.UserAgent.makeURI('sip:' + number + '@' + state.ua.configuration.uri.host);
    const inviter = new SIP.Inviter(state.ua, target, {
      sessionDescriptionHandlerOptions: { constraints: { audio: raw, video: false } },
    });
    watch(inviter);
    state.call = 'calling';
    state.invitedAt = performance.now();
    await inviter.invite({ requestDelegate: { onReject: (r) => { state.failStatus = r.message.statusCode; } } });
  },
  dtmf(key) {
    return state.session.sessionDescriptionHandler.sendDtmf(key);
  },
  async hold(hold) {
    const session = state.session;
    session.sessionDescriptionHandlerOptionsReInvite = { ...session.sessionDescriptionHandlerOptionsReInvite, hold };
    return new Promise((resolve) => {
      session.invite({ requestDelegate: {
        onAccept: (r) => resolve(r.message.statusCode),
        onReject: (r) => resolve(r.message.statusCode),
      } }).catch((e) => resolve(String(e)));
    });
  },
  // Odoo's transfer button: a blind transfer by REFER (RFC 3515); resolves with the REFER's status.
  refer(number) {
    const target = SIP.UserAgent.makeURI('sip:' + number + '@' + state.ua.configuration.uri.host);
    return new Promise((resolve) => {
      state.session.refer(target, { requestDelegate: {
        onAccept: (r) => resolve(r.message.statusCode),
        onReject: (r) => resolve(r.message.statusCode),
      } }).catch((e) => resolve(String(e)));
    });
  },
  localDirection() {
    const t = state.session.sessionDescriptionHandler.peerConnection.getTransceivers()[0];
    return t.currentDirection;
  },
  async hangup() {
    if (state.session && state.session.state === SIP.SessionState.Established) await state.session.bye();
  },
};
`;

/** A loopback server for the blank page, the harness and SIP.js's modules. */
export async function serveOdooHarness(): Promise<{ url: string; close(): void }> {
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    try {
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>odoo-like</title><script type="module" src="/harness.js"></script>');
      } else if (path === '/harness.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(HARNESS);
      } else if (path.startsWith('/sip.js/')) {
        const file = normalize(join(SIPJS_LIB, path.slice('/sip.js/'.length)));
        if (!file.startsWith(SIPJS_LIB)) throw new Error('outside');
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(body);
      } else {
        res.writeHead(404);
        res.end();
      }
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => server.close(),
  };
}

/** Waits until the page's harness has loaded SIP.js. */
export async function harnessReady(page: Page): Promise<string> {
  await page.waitForFunction(() => 'odooPhone' in globalThis, undefined, { timeout: 15_000 });
  return page.evaluate(() => (globalThis as unknown as { odooPhone: { version: string } }).odooPhone.version);
}

/** Runs `odooPhone.<method>(...args)` in the page. */
export function phone<T = unknown>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([m, a]) => {
      const p = (globalThis as unknown as { odooPhone: Record<string, (...x: unknown[]) => unknown> })
        .odooPhone;
      return p[m as string]!(...(a as unknown[])) as T;
    },
    [method, args] as const,
  );
}

/** The page phone's call state ('idle', 'calling', 'established', 'terminated'). */
export function callState(page: Page): Promise<string> {
  return page.evaluate(
    () => (globalThis as unknown as { odooPhone: { state: { call: string } } }).odooPhone.state.call,
  );
}

/** The page phone's call state and the last final failure status it got, for assertion messages. */
export function callReport(page: Page): Promise<string> {
  return page.evaluate(() => {
    const s = (globalThis as unknown as { odooPhone: { state: { call: string; failStatus: number } } })
      .odooPhone.state;
    return `call ${s.call}, last failure status ${s.failStatus || 'none'}`;
  });
}

/** Polls `check` every 200 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}
