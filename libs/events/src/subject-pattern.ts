/** NATS subject patterns: tokens separated by `.`, `*` matches one token, a final `>` one or more. */
import { SubjectError } from './events-errors.js';

export type SubjectMatcher = (subject: string) => boolean;

/** Compiles a subscription pattern (`dicomesh.v1.>`, `dicomesh.v1.association.*`). */
export function subjectMatcher(pattern: string): SubjectMatcher {
  const tokens = pattern.split('.');
  tokens.forEach((token, i) => {
    if (token === '') throw new SubjectError('empty token', pattern);
    if (token === '>' && i !== tokens.length - 1)
      throw new SubjectError("'>' must be the last token", pattern);
    if (token.length > 1 && (token.includes('*') || token.includes('>'))) {
      throw new SubjectError(`wildcard inside token ${JSON.stringify(token)}`, pattern);
    }
  });
  return (subject) => {
    const parts = subject.split('.');
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      if (token === '>') return parts.length > i;
      const part = parts[i];
      if (part === undefined) return false;
      if (token !== '*' && token !== part) return false;
    }
    return parts.length === tokens.length;
  };
}

/** Validates a subject to publish on: non-empty tokens, no wildcards. */
export function assertPublishSubject(subject: string): void {
  for (const token of subject.split('.')) {
    if (token === '') throw new SubjectError('empty token', subject);
    if (token.includes('*') || token.includes('>'))
      throw new SubjectError('wildcard in a publish subject', subject);
  }
}
