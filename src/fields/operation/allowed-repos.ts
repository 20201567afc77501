// allowedRepos: the registries and repositories images may come from.
import { duplicateRules, strings, type Report } from '../../api/rule-helpers.js';
import { stringList } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

// Linear: separators are required between the alphanumeric runs, so no two quantifiers compete.
const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*\/?$/;

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  allowedRepos: stringList(
    'Registries and repositories images may come from, such as registry.example.com or ' +
      'registry.example.com/team. An image matches an entry when it equals it or continues it at a path boundary ' +
      '(/, : or @), so registry.example.com does not admit registry.example.com.evil.io/x.',
  ),
};

export const allowedReposRule: Render = (p) =>
  p.allowedRepos ? planned('allowedRepos', 'D8AllowedRepos', { repos: p.allowedRepos }) : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['allowedRepos']);
  strings(p.allowedRepos).forEach((repo, i) => {
    const path = `${base}.allowedRepos[${i}]`;
    if (/^[a-z]+:\/\//i.test(repo))
      at(
        path,
        'image-reference',
        `Invalid value: "${repo}": an image repository has no URL scheme; write "${repo.replace(/^[a-z]+:\/\//i, '')}"`,
      );
    else if (repo.includes('*'))
      at(
        path,
        'image-reference',
        `Invalid value: "${repo}": wildcards are not supported; an entry already admits everything below it (registry.example.com admits registry.example.com/team/app)`,
      );
    else if (!IMAGE_REPOSITORY.test(repo))
      at(
        path,
        'image-reference',
        `Invalid value: "${repo}": must be a registry host or repository path, lower case, such as registry.example.com or registry.example.com:5000/team`,
      );
  });
}

export const allowedRepos: FieldModule<OperationPolicies> = {
  check: 'allowed-repos',
  fields,
  kinds: ['D8AllowedRepos'],
  validate,
  render: allowedReposRule,
};
