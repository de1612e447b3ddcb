/**
 * A commit as `GET /repos/{owner}/{repo}/commits/{ref}` ("Get a commit", schema `commit`) returns it, with the
 * fields GitHub always sends: both `commit.author`/`commit.committer` (git identities with dates) and the GitHub
 * users, parents, stats and one page of files.
 */
export function commitJson(
  apiBase: string,
  webBase: string,
  repo: string,
  options: { sha: string; committedAt?: string | null; authoredAt?: string },
): Record<string, unknown> {
  const { sha } = options;
  const api = `${apiBase}/repos/${repo}`;
  const user = {
    login: 'alice',
    id: 583231,
    node_id: 'MDQ6VXNlcjU4MzIzMQ==',
    avatar_url: `${webBase}/avatars/u/583231`,
    gravatar_id: '',
    url: `${apiBase}/users/alice`,
    html_url: `${webBase}/alice`,
    type: 'User',
    site_admin: false,
  };
  const authoredAt = options.authoredAt ?? '2026-03-01T09:12:40Z';
  return {
    url: `${api}/commits/${sha}`,
    sha,
    node_id: 'C_kwDOAJy2OtoAKGFjYjU4MjBjZWQ5NDc5YzA3NGY2ODhjYzMyOGJmMDNmMzQxYTUxMWQ',
    html_url: `${webBase}/${repo}/commit/${sha}`,
    comments_url: `${api}/commits/${sha}/comments`,
    commit: {
      url: `${api}/git/commits/${sha}`,
      author: { name: 'Alice', email: 'alice@example.com', date: authoredAt },
      committer:
        options.committedAt === null
          ? null
          : {
              name: 'GitHub',
              email: 'noreply@github.com',
              date: options.committedAt ?? '2026-03-01T10:00:00Z',
            },
      message: 'Ship the new checkout (#412)',
      tree: {
        url: `${api}/git/trees/d23f6eedb1e1b9610bbc754ddb5197bfe7271223`,
        sha: 'd23f6eedb1e1b9610bbc754ddb5197bfe7271223',
      },
      comment_count: 0,
      verification: {
        verified: true,
        reason: 'valid',
        signature: '-----BEGIN PGP SIGNATURE-----\n…',
        payload: 'tree d23f…',
        verified_at: '2026-03-01T10:00:01Z',
      },
    },
    author: user,
    committer: {
      ...user,
      login: 'web-flow',
      id: 19864447,
      url: `${apiBase}/users/web-flow`,
      html_url: `${webBase}/web-flow`,
    },
    parents: [
      {
        sha: '7638417db6d59f3c431d3e1f261cc637155684cd',
        url: `${api}/commits/7638417db6d59f3c431d3e1f261cc637155684cd`,
        html_url: `${webBase}/${repo}/commit/7638417db6d59f3c431d3e1f261cc637155684cd`,
      },
    ],
    stats: { total: 108, additions: 104, deletions: 4 },
    files: [
      {
        sha: 'bbcd538c8e72b8c175046e27cc8f907076331401',
        filename: 'api/checkout.ts',
        status: 'modified',
        additions: 103,
        deletions: 21,
        changes: 124,
        blob_url: `${webBase}/${repo}/blob/${sha}/api/checkout.ts`,
        raw_url: `${webBase}/${repo}/raw/${sha}/api/checkout.ts`,
        contents_url: `${api}/contents/api/checkout.ts?ref=${sha}`,
        patch: '@@ -132,7 +132,7 @@ module Test @@ -1000,7 +1000,7 @@ module Test',
      },
    ],
  };
}
