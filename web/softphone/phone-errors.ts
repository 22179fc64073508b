/**
 * Plain words for what goes wrong on a phone: the microphone (getUserMedia's DOMException names), the
 * registration (SIP status, RFC 3261 §21), and why a call ended. Pure, so it is tested without a browser.
 */

/** Words for a microphone failure, or undefined when the error is not about the microphone. */
export function microphoneErrorText(err: unknown): string | undefined {
  const name = (err as { name?: string })?.name ?? '';
  const message = String((err as { message?: string })?.message ?? '');
  if (name === 'NotAllowedError' || /permission denied|not allowed/i.test(message)) {
    return 'The microphone is blocked. Allow this page to use it (the icon in the address bar), then try again.';
  }
  if (name === 'NotFoundError' || /requested device not found/i.test(message)) {
    return 'No microphone was found. Plug one in, then try again.';
  }
  if (name === 'NotReadableError') {
    return 'The microphone is busy in another program. Close it there, then try again.';
  }
  if (name === 'SecurityError' || /secure context|getUserMedia/i.test(message)) {
    return 'This page cannot use the microphone: open it over https.';
  }
  return undefined;
}

/** Words for a failed registration: a SIP status, or a server that could not be reached. */
export function registrationErrorText(failure: { status?: number; transport?: string }): string {
  const { status } = failure;
  if (status === 401 || status === 403 || status === 407) return 'Wrong extension or password.';
  if (status === 404) return 'This extension does not exist on the phone server.';
  if (status === 423) return 'The phone server refused the registration interval.';
  if (status !== undefined && status >= 500)
    return `The phone server could not register you now (${status}).`;
  if (status !== undefined) return `Registration failed (${status}).`;
  return `Registration failed: cannot reach the phone server at ${failure.transport ?? 'its address'}.`;
}

/** Words for a call the other side (or the network) ended before it was answered. */
export function callEndedText(status: number): string {
  if (status === 486 || status === 600) return 'Busy.';
  if (status === 404 || status === 484 || status === 604) return 'Nobody has that number.';
  if (status === 480 || status === 408) return 'No answer, or not reachable right now.';
  if (status === 487) return 'Call cancelled.';
  if (status === 603) return 'The call was declined.';
  if (status === 488 || status === 606) return 'The call’s audio could not be agreed with the other side.';
  if (status === 401 || status === 403 || status === 407) return 'You are not allowed to call that number.';
  if (status >= 500) return `The phone server cannot place the call now (${status}).`;
  return `The call failed (${status}).`;
}
