/**
 * vitcord-infra's policy pack: the security and reliability rules of rules/, enforced
 * by Pulumi at `pulumi preview --policy-pack policy` and `pulumi up --policy-pack policy`.
 * Constructing the PolicyPack starts the analyzer server the Pulumi CLI talks to.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES, WAIVER_POLICY } from "./policies";

new PolicyPack("vitcord-infra", {
  description:
    "Security (AWS Security Hub FSBP, Checkov) and reliability rules for vitcord-infra; the same rules run offline in npm test and npm run plan.",
  policies: [...POLICIES, WAIVER_POLICY],
});
