// Git checks before a laptop changes a protected stack: what is deployed must be what is committed
// and pushed, or the next CI deploy (from the repository) silently undoes it.
import { execFile } from "node:child_process";
import { CliError } from "./errors";

export interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `git <args>` in `cwd`; never throws (a missing git is exit code 127). */
export type GitRunner = (args: readonly string[], cwd: string) => Promise<GitResult>;

/** The real git, never prompting: a fetch that needs a password fails instead of hanging. */
export const runGit: GitRunner = (args, cwd) =>
  new Promise((resolve) => {
    const env = {
      ...process.env,
      GIT_TERMINAL_PROMPT: "0",
      GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
    };
    execFile("git", [...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error === null) return resolve({ code: 0, stdout, stderr });
      const code = typeof error.code === "number" ? error.code : 127;
      resolve({ code, stdout, stderr: stderr || error.message });
    });
  });

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.trim() ?? "";
}

/** Up to three paths of `git status --porcelain`, then how many more. */
export function describeChanges(porcelain: string): string {
  const lines = porcelain.split("\n").filter((line) => line.trim() !== "");
  const shown = lines.slice(0, 3).map((line) => line.trim());
  const more = lines.length > 3 ? `, and ${lines.length - 3} more` : "";
  return `${shown.join(", ")}${more}`;
}

/**
 * Refuses (one CliError line starting "Refusing to <action>") unless `dir` is a git working tree
 * with nothing modified or untracked (ignored files do not count), on a branch with an upstream,
 * after `git fetch`, neither behind it nor ahead of it. A failed fetch refuses too: nobody could
 * tell whether the branch is behind.
 */
export async function checkCleanTree(git: GitRunner, dir: string, action: string): Promise<void> {
  const refuse = (why: string) => new CliError(`Refusing to ${action}: ${why}`);
  const inside = await git(["rev-parse", "--is-inside-work-tree"], dir);
  if (inside.code !== 0 || inside.stdout.trim() !== "true") {
    throw refuse(
      `${dir} is not a git working tree (${firstLine(inside.stderr) || "git rev-parse failed"}). ` +
        "Release from a clone of this repository, or from CI.",
    );
  }
  const status = await git(["status", "--porcelain=v1", "--untracked-files=normal"], dir);
  if (status.code !== 0) throw refuse(`git status failed: ${firstLine(status.stderr)}`);
  if (status.stdout.trim() !== "") {
    throw refuse(
      `the working tree has uncommitted changes (${describeChanges(status.stdout)}). Commit or ` +
        "stash them first: a deploy from a laptop uses the working tree, and the next CI deploy " +
        "would undo whatever is not committed.",
    );
  }
  const head = await git(["rev-parse", "--abbrev-ref", "HEAD"], dir);
  const branch = head.stdout.trim() === "HEAD" ? "a detached HEAD" : `branch ${head.stdout.trim()}`;
  const upstream = await git(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}"], dir);
  if (upstream.code !== 0) {
    throw refuse(
      `${branch} has no upstream, so nobody can tell whether it is behind. Push it ` +
        "(git push -u origin <branch>) or release from the main branch.",
    );
  }
  const tracked = upstream.stdout.trim();
  const fetch = await git(["fetch", "--quiet"], dir);
  if (fetch.code !== 0) {
    throw refuse(
      `git fetch failed (${firstLine(fetch.stderr)}), so nobody can tell whether ${branch} is ` +
        `behind ${tracked}. Fix access to the remote and retry, or release from CI.`,
    );
  }
  const counts = await git(["rev-list", "--left-right", "--count", "HEAD...@{u}"], dir);
  const [ahead = 0, behind = 0] = counts.stdout.trim().split(/\s+/).map(Number);
  if (behind > 0) {
    throw refuse(
      `${branch} is ${behind} commit(s) behind ${tracked}. Pull (git pull --rebase) and retry: ` +
        "an old checkout would deploy an old configuration.",
    );
  }
  if (ahead > 0) {
    throw refuse(
      `${branch} has ${ahead} commit(s) not pushed to ${tracked}. Push them first: the next CI ` +
        "deploy would undo what is deployed from commits only this laptop has.",
    );
  }
}
