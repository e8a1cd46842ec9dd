// maintenance on|off|status against a mocked ELBv2 client: the exact rule calls, the refusal of
// someone else's priority-1 rule, the verification, and every bad input.
import * as assert from "node:assert/strict";
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  Rule,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { checkedMaintenancePage, maintenancePage, MAX_MESSAGE_BODY } from "../cli/maintenance";
import { runCli } from "./cli-context";
import { ACCOUNT, devManifest, publishManifest, REGION, workloadEntry } from "./ops-fixtures";

const LB = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/api-alb/50dc6c495c0c9188`;
const HTTP = `${LB}/f2f7dc8efc522ab2`;
const HTTPS = `${LB}/0443aaaaaaaaaaaa`;
const RULE = (n: string) =>
  `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener-rule/app/api-alb/50dc6c495c0c9188/${n}`;
const DEFAULT_RULE: Rule = { RuleArn: RULE("default"), Priority: "default", IsDefault: true };
const TAG = { Key: "vitcord:maintenance", Value: "on" };

const page = (message: string) =>
  '<!doctype html><html><head><meta charset="utf-8"><title>Down for maintenance</title></head>' +
  `<body><h1>Down for maintenance</h1><p>${message}</p></body></html>`;
const actions = (message: string) => [
  {
    Type: "fixed-response",
    FixedResponseConfig: {
      StatusCode: "503",
      ContentType: "text/html",
      MessageBody: page(message),
    },
  },
];
const CONDITIONS = [{ Field: "path-pattern", PathPatternConfig: { Values: ["/*"] } }];

describe("infra CLI: maintenance", () => {
  const sts = mockClient(STSClient);
  const ssm = mockClient(SSMClient);
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);

  beforeEach(() => {
    sts.reset();
    ssm.reset();
    elbv2.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:iam::${ACCOUNT}:user/dev` });
    publishManifest(ssm);
  });
  after(() => {
    sts.restore();
    ssm.restore();
    elbv2.restore();
  });

  /** api with HTTPS and HTTP listeners (a stack with a certificate). */
  function twoListeners() {
    const base = workloadEntry("api", "service");
    publishManifest(
      ssm,
      devManifest({
        api: { ...base, loadBalancer: { ...base.loadBalancer!, listenerArns: [HTTPS, HTTP] } },
      }),
    );
  }
  /** The listener's rules: before the change, then after it. */
  function rules(listener: string, before: Rule[], after: Rule[] = before) {
    elbv2
      .on(DescribeRulesCommand, { ListenerArn: listener })
      .resolvesOnce({ Rules: [...before, DEFAULT_RULE] })
      .resolves({ Rules: [...after, DEFAULT_RULE] });
  }
  const top = (id: string): Rule => ({ RuleArn: RULE(id), Priority: "1" });
  function tagged(...ids: string[]) {
    for (const id of ids) {
      elbv2
        .on(DescribeTagsCommand, { ResourceArns: [RULE(id)] })
        .resolves({ TagDescriptions: [{ ResourceArn: RULE(id), Tags: [TAG] }] });
    }
  }
  const changed = () =>
    elbv2.commandCalls(CreateRuleCommand).length +
    elbv2.commandCalls(ModifyRuleCommand).length +
    elbv2.commandCalls(DeleteRuleCommand).length;

  it("on: creates the tagged 503 rule at priority 1 on every listener, then verifies it", async () => {
    twoListeners();
    rules(HTTPS, [], [top("m1")]);
    rules(HTTP, [], [top("m2")]);
    tagged("m1", "m2");
    const run = await runCli(["maintenance", "on", "api", "--stack", "dev"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      elbv2.commandCalls(CreateRuleCommand).map((c) => c.args[0].input),
      [HTTPS, HTTP].map((listener) => ({
        ListenerArn: listener,
        Priority: 1,
        Conditions: CONDITIONS,
        Actions: actions("We are down for maintenance and will be back shortly."),
        Tags: [TAG],
      })),
    );
    assert.deepEqual(
      elbv2.commandCalls(DescribeRulesCommand).map((c) => c.args[0].input),
      [HTTPS, HTTP, HTTPS, HTTP].map((listener) => ({ ListenerArn: listener })),
    );
    assert.deepEqual(
      elbv2.commandCalls(DescribeTagsCommand).map((c) => c.args[0].input),
      [{ ResourceArns: [RULE("m1")] }, { ResourceArns: [RULE("m2")] }],
    );
    assert.equal(
      run.stdout,
      "Maintenance mode is on for api in stack dev: http://api-alb-123.eu-west-1.elb.amazonaws.com answers 503 " +
        "with the maintenance page (rule created on 2 listeners, updated on 0 listeners). It takes effect at once, " +
        "with no deploy. Turn it off with: npm run infra -- maintenance off api --stack dev\n",
    );
  });

  it("on again: modifies the tagged rule with the new page, the message escaped", async () => {
    rules(HTTP, [top("m1")]);
    tagged("m1");
    const run = await runCli([
      "maintenance",
      "on",
      "api",
      "--message",
      `Back at 5 <b>&</b> "soon"`,
      "--stack",
      "dev",
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(elbv2.commandCalls(CreateRuleCommand).length, 0);
    assert.deepEqual(elbv2.commandCalls(ModifyRuleCommand)[0]?.args[0].input, {
      RuleArn: RULE("m1"),
      Conditions: CONDITIONS,
      Actions: actions("Back at 5 &lt;b&gt;&amp;&lt;/b&gt; &quot;soon&quot;"),
    });
    assert.match(run.stdout, /\(rule created on 0 listeners, updated on 1 listener\)/);
  });

  it("on: someone else's rule at priority 1 on any listener is refused before any change", async () => {
    twoListeners();
    rules(HTTPS, []);
    rules(HTTP, [top("theirs")]);
    elbv2.on(DescribeTagsCommand, { ResourceArns: [RULE("theirs")] }).resolves({
      TagDescriptions: [{ ResourceArn: RULE("theirs"), Tags: [{ Key: "team", Value: "web" }] }],
    });
    const run = await runCli(["maintenance", "on", "api", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      `error: Listener ${HTTP} of api already has a rule at priority 1 that maintenance did not create ` +
        `(${RULE("theirs")}): nothing was changed; move that rule to another priority or delete it, then retry.\n`,
    );
    assert.equal(changed(), 0);
  });

  it("on: a rule that is not there afterwards exits non-zero", async () => {
    rules(HTTP, [], []);
    const run = await runCli(["maintenance", "on", "api", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "error: Maintenance mode of api is off after the change (expected on on every listener): run maintenance on again, or off.\n",
    );
  });

  it("on: a message too long for ELB's 1024-character body is refused before any AWS call", async () => {
    const room = MAX_MESSAGE_BODY - maintenancePage("").length;
    const run = await runCli([
      "maintenance",
      "on",
      "api",
      "--message",
      "x".repeat(room + 1),
      "--stack",
      "dev",
    ]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      `error: --message is too long: the maintenance page would be 1025 characters and a load balancer's fixed ` +
        `response holds at most 1024 (MessageBody), which leaves ${room} characters for the message ` +
        `(& < > " ' count as 4 to 6 once escaped).\n`,
    );
    assert.equal(sts.commandCalls(GetCallerIdentityCommand).length, 0);
    assert.equal(checkedMaintenancePage("x".repeat(room)).length, 1024);
  });

  it("off: deletes the tagged rules and verifies they are gone", async () => {
    twoListeners();
    rules(HTTPS, [top("m1")], []);
    rules(HTTP, [top("m2")], []);
    tagged("m1", "m2");
    const run = await runCli(["maintenance", "off", "api", "--stack", "dev"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      elbv2.commandCalls(DeleteRuleCommand).map((c) => c.args[0].input),
      [{ RuleArn: RULE("m1") }, { RuleArn: RULE("m2") }],
    );
    assert.equal(
      run.stdout,
      "Maintenance mode is off for api in stack dev: rule removed from 2 listeners; " +
        "http://api-alb-123.eu-west-1.elb.amazonaws.com serves the app again, at once, with no deploy.\n",
    );
  });

  it("off: never deletes someone else's priority-1 rule", async () => {
    rules(HTTP, [top("theirs")]);
    elbv2
      .on(DescribeTagsCommand)
      .resolves({ TagDescriptions: [{ ResourceArn: RULE("theirs"), Tags: [] }] });
    const run = await runCli(["maintenance", "off", "api", "--stack", "dev"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(changed(), 0);
    assert.equal(
      run.stdout,
      "Maintenance mode was already off for api in stack dev; nothing changed.\n",
    );
  });

  it("off: a rule still there afterwards exits non-zero", async () => {
    rules(HTTP, [top("m1")]);
    tagged("m1");
    const run = await runCli(["maintenance", "off", "api", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "error: Maintenance mode of api is on after removing its rules: run maintenance off again.\n",
    );
  });

  it("status of one service, and of every service", async () => {
    twoListeners();
    rules(HTTPS, [top("m1")]);
    rules(HTTP, []);
    tagged("m1");
    elbv2
      .on(DescribeRulesCommand, {
        ListenerArn: workloadEntry("notifications", "service").loadBalancer!.listenerArns[0],
      })
      .resolves({ Rules: [DEFAULT_RULE] });
    let run = await runCli(["maintenance", "status", "api", "--stack", "dev"]);
    assert.equal(run.stdout, "Maintenance mode of api in stack dev: partial.\n");
    run = await runCli(["maintenance", "api", "--stack", "dev"]);
    assert.equal(run.stdout, "Maintenance mode of api in stack dev: partial.\n");
    run = await runCli(["maintenance", "--stack", "dev"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      [
        "SERVICE        MAINTENANCE  URL",
        "api            partial      http://api-alb-123.eu-west-1.elb.amazonaws.com",
        "notifications  off          http://notifications-alb-123.eu-west-1.elb.amazonaws.com",
        "",
      ].join("\n"),
    );
    assert.equal(changed(), 0);
  });

  const refused: [string, string[], string][] = [
    [
      "a worker",
      ["maintenance", "on", "jobs"],
      "jobs is a worker: it has no load balancer, so it has no maintenance mode (to stop its tasks: npm run infra -- scale jobs 0 --stack dev).",
    ],
    [
      "an unknown service",
      ["maintenance", "on", "web"],
      'Unknown service or worker "web" in stack dev. Configured: api, notifications, jobs (worker).',
    ],
    [
      "an unknown action",
      ["maintenance", "enable", "api"],
      'maintenance takes on, off or status, then a service; got "enable" (e.g. npm run infra -- maintenance on api --stack dev).',
    ],
    [
      "on without a service",
      ["maintenance", "on"],
      "maintenance on needs a service (e.g. npm run infra -- maintenance on api --stack dev).",
    ],
    [
      "--message without on",
      ["maintenance", "off", "api", "--message", "hi"],
      "--message goes with maintenance on (it is the page's text).",
    ],
  ];
  for (const [what, argv, message] of refused) {
    it(`refuses ${what}, changing nothing`, async () => {
      const run = await runCli([...argv, "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.equal(run.stderr, `error: ${message}\n`);
      assert.equal(changed(), 0);
    });
  }
});
