import * as pulumi from "@pulumi/pulumi";

/**
 * Resource options for stateful resources whose loss would hurt (load balancers with DNS pointing
 * at them, log buckets, queues, repositories). With protection on (prod), Pulumi refuses to delete
 * them and a removed declaration leaves the cloud resource in place. One helper so that every
 * component applies the same rule and tests assert it in one place.
 */
export function statefulResourceOptions(
  protect: boolean,
  opts: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  return protect ? { ...opts, protect: true, retainOnDelete: true } : opts;
}

/**
 * Resource options for an ECS service. With autoscaling on, Application Auto Scaling owns the
 * running count: a deploy must not reset a service scaled out by traffic or by a queue's backlog
 * to the config's `desiredCount`. Web services and workers both use this, so they cannot drift.
 */
export function ecsServiceOptions(
  autoscaled: boolean,
  opts: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  return {
    ...opts,
    ignoreChanges: [...(opts.ignoreChanges ?? []), ...(autoscaled ? ["desiredCount"] : [])],
  };
}
