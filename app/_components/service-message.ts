// Services refuse with English messages (the API's contract). Forms show them in the reader's
// language: each known message shape maps to a key of `common.serviceErrors`; anything else is shown
// as it came. Client-safe (no server imports).
import { useTranslations } from 'next-intl';

type Values = Record<string, string>;
const THINGS = ['laboratory', 'region', 'account', 'round', 'scheme', 'analyte', 'laboratories', 'analytes'] as const;
const thing = (w: string) => ((THINGS as readonly string[]).includes(w.toLowerCase()) ? w.toLowerCase() : 'record');

const MESSAGES: readonly [RegExp, string, (m: RegExpExecArray) => Values][] = [
  [/^(?:That|This) (\w+) is outside your jurisdiction$/, 'outsideJurisdiction', (m) => ({ thing: thing(m[1]) })],
  [/^Laboratory (.+) is outside the scheme$/, 'labOutsideScheme', (m) => ({ lab: m[1] })],
  [/^(?:Only (?:a|an|the) .+|Not allowed.*|API tokens cannot manage API tokens|A regulator account needs a region)$/, 'notAllowed', () => ({})],
  [/^Round (.+) is (\w+): evaluate it after it closes$/, 'roundNotClosed', (m) => ({ round: m[1] })],
  [/^Round (.+) is published: its evaluation is frozen$/, 'roundFrozen', (m) => ({ round: m[1] })],
  [/^Round (.+) is being evaluated$/, 'roundBeingEvaluated', (m) => ({ round: m[1] })],
  [/^Round (.+) (?:has not been evaluated|has no complete evaluation)$/, 'roundNotEvaluated', (m) => ({ round: m[1] })],
  [/^Round (.+) is already published$/, 'roundAlreadyPublished', (m) => ({ round: m[1] })],
  [/^Round (.+) is (\w+), not (?:open|a draft)$/, 'roundWrongState', (m) => ({ round: m[1] })],
  [/^The results of round (.+) are not published yet$/, 'resultsNotPublished', (m) => ({ round: m[1] })],
  [/^(Region|Laboratory|Round|Scheme) (.+) already exists$/, 'alreadyExists', (m) => ({ thing: thing(m[1]), code: m[2] })],
  [/^(.+@.+) already has an account$/, 'emailTaken', (m) => ({ email: m[1] })],
  [/^Code (.+) is already used$/, 'codeTaken', (m) => ({ code: m[1] })],
  [/^(.+) does not meet the recognition policy$/, 'notEligible', (m) => ({ analyte: m[1] })],
  [/^(.+) is already certified \((.+), (.+)\)$/, 'alreadyCertified', (m) => ({ analyte: m[1], certificateNo: m[2] })],
  [/^(.+) is certified \((.+)\); suspend or revoke it instead$/, 'certifiedUseSuspend', (m) => ({ analyte: m[1], certificateNo: m[2] })],
  [/^A reason is required$/, 'reasonRequired', () => ({})],
  [/^A decision cannot take effect in the future$/, 'futureDecision', () => ({})],
  [/^History is never rewritten/, 'historyNeverRewritten', () => ({})],
  [/^You cannot deactivate your own account$/, 'ownAccount', () => ({})],
  [/^Your laboratory does not take part in this round$/, 'notParticipating', () => ({})],
  [/^Only the manager of a participating laboratory submits results$/, 'notParticipating', () => ({})],
  [/^No such (\w+)$/, 'noSuch', (m) => ({ thing: thing(m[1]) })],
  [/^Unknown (\w+)$/, 'unknown', (m) => ({ thing: thing(m[1]) })],
  [/^(\d+) error\(s\); nothing was saved$/, 'errorsNothingSaved', (m) => ({ n: m[1] })],
  [/nothing was written$/, 'nothingWritten', () => ({})],
  [/^The file changed between validation and writing/, 'fileChanged', () => ({})],
  [/^Invalid .+$/, 'invalid', () => ({})],
  [/^Sign in required$/, 'signIn', () => ({})],
];

/** The `common.serviceErrors` key and values of a known service message, or null. */
export function matchServiceMessage(message: string): { key: string; values: Values } | null {
  for (const [re, key, values] of MESSAGES) {
    const m = re.exec(message);
    if (m) return { key, values: values(m) };
  }
  return null;
}

/** Returns a function giving a service message in the reader's language. */
export function useServiceMessage(): (message: string | undefined) => string {
  const t = useTranslations('common.serviceErrors');
  return (message) => {
    if (!message) return '';
    const found = matchServiceMessage(message);
    if (!found) return message;
    const v = found.values;
    return t(found.key, { ...v, ...(v.thing ? { thing: t(`things.${v.thing}`) } : {}) });
  };
}
