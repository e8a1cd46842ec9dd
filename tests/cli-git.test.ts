// The working-tree check before a laptop changes a protected stack, on real git repositories in
// temporary folders: a clone of a bare "origin", changed, pushed and fetched like a developer's.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliError } from "../cli/errors";
import { checkCleanTree, describeChanges, runGit } from "../cli/git";
import { runCli, STACK_FILES } from "./cli-context";

const IDENTITY = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
};

function git(cwd: string, ...args: string[]): string {
  const env = { ...process.env, ...IDENTITY };
  return execFileSync("git", args, {
    cwd,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** A bare origin and a clone of it on main holding the stack files, in step with origin/main. */
function makeClone(): { origin: string; clone: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "infra-git-"));
  const origin = path.join(root, "origin.git");
  const clone = path.join(root, "clone");
  git(root, "init", "--quiet", "--bare", "--initial-branch=main", origin);
  git(root, "init", "--quiet", "--initial-branch=main", clone);
  git(clone, "remote", "add", "origin", origin);
  for (const [name, text] of Object.entries(STACK_FILES)) {
    fs.writeFileSync(path.join(clone, name), text);
  }
  fs.writeFileSync(path.join(clone, ".gitignore"), ".pulumi-state/\n");
  git(clone, "add", ".");
  git(clone, "commit", "--quiet", "-m", "stack files");
  git(clone, "push", "--quiet", "-u", "origin", "main");
  return { origin, clone };
}

const ACTION = "release api v2 to stack prod";

async function refusal(dir: string): Promise<string> {
  try {
    await checkCleanTree(runGit, dir, ACTION);
  } catch (error) {
    assert.ok(error instanceof CliError, String(error));
    return error.message;
  }
  assert.fail("the check passed");
}

describe("git: the working tree before a release to a protected stack", () => {
  it("passes a clean clone in step with its upstream, ignoring ignored files", async () => {
    const { clone } = makeClone();
    fs.mkdirSync(path.join(clone, ".pulumi-state"));
    fs.writeFileSync(path.join(clone, ".pulumi-state", "x.json"), "{}");
    await checkCleanTree(runGit, clone, ACTION);
  });

  it("refuses a modified stack file and an untracked file, naming them", async () => {
    const { clone } = makeClone();
    fs.appendFileSync(path.join(clone, "Pulumi.prod.yaml"), "# edited\n");
    fs.writeFileSync(path.join(clone, "notes.txt"), "todo\n");
    assert.equal(
      await refusal(clone),
      `Refusing to ${ACTION}: the working tree has uncommitted changes (M Pulumi.prod.yaml, ?? notes.txt). ` +
        "Commit or stash them first: a deploy from a laptop uses the working tree, and the next CI " +
        "deploy would undo whatever is not committed.",
    );
  });

  it("refuses a branch behind its upstream once fetched, and one with unpushed commits", async () => {
    const { origin, clone } = makeClone();
    const other = path.join(path.dirname(origin), "other");
    git(path.dirname(origin), "clone", "--quiet", origin, other);
    fs.appendFileSync(path.join(other, "Pulumi.prod.yaml"), "# someone else's release\n");
    git(other, "commit", "--quiet", "-am", "release");
    git(other, "push", "--quiet");
    assert.equal(
      await refusal(clone),
      `Refusing to ${ACTION}: branch main is 1 commit(s) behind origin/main. Pull (git pull --rebase) ` +
        "and retry: an old checkout would deploy an old configuration.",
    );

    git(clone, "pull", "--quiet", "--rebase");
    fs.appendFileSync(path.join(clone, "Pulumi.prod.yaml"), "# mine\n");
    git(clone, "commit", "--quiet", "-am", "mine");
    assert.equal(
      await refusal(clone),
      `Refusing to ${ACTION}: branch main has 1 commit(s) not pushed to origin/main. Push them first: ` +
        "the next CI deploy would undo what is deployed from commits only this laptop has.",
    );
  });

  it("refuses when the fetch fails, when there is no upstream, and outside a repository", async () => {
    const { origin, clone } = makeClone();
    fs.rmSync(origin, { recursive: true });
    assert.match(
      await refusal(clone),
      /^Refusing to release api v2 to stack prod: git fetch failed \(.+\), so nobody can tell whether branch main is behind origin\/main\. Fix access to the remote and retry, or release from CI\.$/,
    );

    git(clone, "checkout", "--quiet", "-b", "local-only");
    assert.equal(
      await refusal(clone),
      `Refusing to ${ACTION}: branch local-only has no upstream, so nobody can tell whether it is ` +
        "behind. Push it (git push -u origin <branch>) or release from the main branch.",
    );

    const plain = fs.mkdtempSync(path.join(os.tmpdir(), "infra-nogit-"));
    assert.match(
      await refusal(plain),
      new RegExp(
        `^Refusing to ${ACTION}: ${plain} is not a git working tree \\(.+\\)\\. Release from a clone of this repository, or from CI\\.$`,
      ),
    );
  });

  it("lists at most three changes", () => {
    assert.equal(describeChanges(" M a\n M b\n?? c\n?? d\n?? e\n"), "M a, M b, ?? c, and 2 more");
  });

  it("scale to prod from a dirty clone is refused before any stack is opened", async () => {
    const { clone } = makeClone();
    fs.appendFileSync(path.join(clone, "Pulumi.prod.yaml"), "# edited\n");
    const env = { PULUMI_BACKEND_URL: "s3://vitcord-state", PULUMI_CONFIG_PASSPHRASE: "" };
    const run = await runCli(["scale", "api", "3", "--stack", "prod", "--yes"], {
      projectDir: clone,
      env,
      git: runGit,
    });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^error: Refusing to scale api to 3 in stack prod: the working tree has uncommitted changes \(M Pulumi\.prod\.yaml\)\./,
    );
    assert.deepEqual(run.opened, []);
    assert.deepEqual(run.stack.calls, []);
  });
});
