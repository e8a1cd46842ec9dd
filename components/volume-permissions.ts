/**
 * Writable scratch volumes for non-root containers on Fargate.
 *
 * A task volume with no host path is an empty bind mount. On Fargate (platform 1.4.0+) it is
 * created owned by root with mode 0755, unless the image declares a `VOLUME` at that path, whose
 * ownership and content are copied ("Use bind mounts with Amazon ECS", considerations; and
 * aws/containers-roadmap#938, #863): an application running as uid 1000 cannot write `/tmp`.
 * On EC2 the ECS agent makes the same volume a Docker volume under /var/lib/ecs/volumes, and
 * Docker copies the image directory's ownership and mode onto it when it is mounted (the "failed
 * to copy file info … chown" of aws/amazon-ecs-agent#4702 is that copy): the image's `/tmp` stays
 * 1777 and a Rails image's `tmp` stays its user's, so EC2 tasks are not affected.
 *
 * So a Fargate task with scratch volumes gets a one-shot container that runs first, as root,
 * makes them writable and exits; the application container starts only after it exited 0
 * (`dependsOn` … `SUCCESS`, which ECS allows on non-essential containers only: ContainerDependency
 * in the ECS API). The workaround AWS users run for #938, as a fixed part of the task.
 */

/** The init container's name in every task that has one. */
export const VOLUME_INIT_CONTAINER = "volume-permissions";

/**
 * BusyBox from the ECR Public mirror of Docker's official images: a few MB, pulled without
 * credentials (no execution-role permission) through the NAT gateway. Pinned by tag.
 */
export const VOLUME_INIT_IMAGE = "public.ecr.aws/docker/library/busybox:1.37";

/** A numeric `uid` or `uid:gid`, which BusyBox's chown takes without a passwd entry. */
const NUMERIC_USER = /^\d+(:\d+)?$/;

/**
 * The init container's command: hand the volumes to the container's user when it is numeric
 * (a name would not resolve in BusyBox's /etc/passwd), and make them writable for every user with
 * the sticky bit, as /tmp is (1777): an image's own `USER` is unknown here, and the ECS Exec
 * agent writes its paths too. Paths are config-validated (`/[A-Za-z0-9._-/]*`): no quoting needed.
 */
export function volumeInitCommand(paths: readonly string[], user: string | undefined): string[] {
  const list = paths.join(" ");
  const steps = [
    ...(user !== undefined && NUMERIC_USER.test(user) ? [`chown ${user} ${list}`] : []),
    `chmod 1777 ${list}`,
  ];
  return ["sh", "-c", steps.join(" && ")];
}

/** Whether a task needs the init container: Fargate with at least one scratch volume. */
export function needsVolumeInit(
  compatibility: "EC2" | "FARGATE",
  writablePaths: readonly string[],
): boolean {
  return compatibility === "FARGATE" && writablePaths.length > 0;
}

/** The init container, as the ECS API takes it. */
export interface VolumeInitContainerDefinition {
  readonly name: typeof VOLUME_INIT_CONTAINER;
  readonly image: string;
  readonly essential: false;
  readonly command: readonly string[];
  /**
   * Root, because only root may chown a root-owned directory. Accepted as the one root container
   * (VIT-ECS-05 / Security Hub ECS.20 report it): it has no port, a read-only root filesystem,
   * runs a fixed command on the task's own scratch volumes only, and has exited before the
   * application starts.
   */
  readonly user: "0";
  readonly readonlyRootFilesystem: true;
  readonly mountPoints: readonly {
    readonly sourceVolume: string;
    readonly containerPath: string;
    readonly readOnly: false;
  }[];
  readonly logConfiguration: {
    readonly logDriver: "awslogs";
    readonly options: Readonly<Record<string, string>>;
  };
}

/**
 * The init container for an application container: the same scratch volumes and the same log
 * group and stream prefix (its streams are `<prefix>/volume-permissions/<task id>`).
 */
export function volumeInitContainer(app: {
  readonly user?: string;
  readonly mountPoints: VolumeInitContainerDefinition["mountPoints"];
  readonly logConfiguration: VolumeInitContainerDefinition["logConfiguration"];
}): VolumeInitContainerDefinition {
  return {
    name: VOLUME_INIT_CONTAINER,
    image: VOLUME_INIT_IMAGE,
    essential: false,
    command: volumeInitCommand(
      app.mountPoints.map((m) => m.containerPath),
      app.user,
    ),
    user: "0",
    readonlyRootFilesystem: true,
    mountPoints: app.mountPoints,
    logConfiguration: app.logConfiguration,
  };
}

/** The application container waits for the init container to exit 0. */
export const AFTER_VOLUME_INIT = [
  { containerName: VOLUME_INIT_CONTAINER, condition: "SUCCESS" as const },
] as const;
