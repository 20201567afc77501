// seccompProfiles: the allowed seccomp profiles and Localhost files.
import { duplicateRules, globListRules, isRecord, type Report } from '../../api/rule-helpers.js';
import { obj, stringList } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

const FILE_GLOB = /^[^\s?[\]{}\\]+$/;

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  seccompProfiles: obj(
    {
      allowedProfiles: stringList(
        'Seccomp profiles containers may use: RuntimeDefault, Localhost, Unconfined (or the annotation forms ' +
          'runtime/default, docker/default, localhost/<file>, unconfined). "" or undefined allows a container ' +
          'without a profile; * allows all.',
      ),
      allowedLocalhostFiles: stringList(
        'Profile files a Localhost profile may load (localhostProfile), * as a wildcard. An empty list forbids ' +
          'Localhost profiles.',
      ),
    },
    'Allowed seccomp profiles, read from the container securityContext, then the Pod securityContext, then the ' +
      'legacy annotations. Leaving it out means no check.',
  ),
};

/** Every seccomp profile by name, which (unlike `*`) leaves Localhost files to allowedLocalhostFiles. */
export const ANY_PROFILE_BUT_OTHER_FILES = ['RuntimeDefault', 'Unconfined', 'Localhost', 'undefined', ''];

// `*` in both lists admits every profile (DVP clears it).
export const seccompRule: Render = (p) => {
  const s = p.seccompProfiles;
  if (!s || (s.allowedProfiles === undefined && s.allowedLocalhostFiles === undefined)) return undefined;
  if (s.allowedProfiles?.includes('*') && s.allowedLocalhostFiles?.includes('*')) return undefined;
  return {
    name: 'seccompProfiles',
    kind: 'D8AllowedSeccompProfiles',
    // Only allowedLocalhostFiles written: every profile stays allowed, and Localhost only with those files.
    parameters: {
      allowedProfiles: s.allowedProfiles ?? ANY_PROFILE_BUT_OTHER_FILES,
      allowedLocalhostFiles: s.allowedLocalhostFiles ?? [],
    },
  };
};

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  if (!isRecord(p.seccompProfiles)) return;
  globListRules(
    p.seccompProfiles.allowedLocalhostFiles,
    `${base}.seccompProfiles.allowedLocalhostFiles`,
    FILE_GLOB,
    'a profile file path, * as a wildcard (no ? [ ] { } or \\)',
    at,
  );
  duplicateRules(p.seccompProfiles, `${base}.seccompProfiles`, at, ['allowedProfiles', 'allowedLocalhostFiles']);
}

export const seccomp: FieldModule<SecurityPolicies> = {
  check: 'seccomp',
  fields,
  kinds: ['D8AllowedSeccompProfiles'],
  validate,
  render: seccompRule,
};
