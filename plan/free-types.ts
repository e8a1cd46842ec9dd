/**
 * The resource types the cost model does not price, in two explicit lists: those with no charge
 * of their own (or whose charge another line carries), and those billed by a unit the price table
 * does not have. Every other unpriced type is listed as "not in the cost model".
 */

/** Types with no charge of their own (or whose charge another line carries), with why. */
export const FREE_TYPES: Readonly<Record<string, string>> = {
  "pulumi:providers:aws": "a Pulumi provider, not a cloud resource",
  "pulumi:pulumi:StackReference": "reads the stack's own last outputs, not a cloud resource",
  "aws:iam/role:Role": "IAM has no charge",
  "aws:iam/rolePolicy:RolePolicy": "IAM has no charge",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM has no charge",
  "aws:iam/policy:Policy": "IAM has no charge",
  "aws:iam/instanceProfile:InstanceProfile": "IAM has no charge",
  "aws:ec2/securityGroup:SecurityGroup": "security groups have no charge",
  "aws:ec2/securityGroupRule:SecurityGroupRule": "security groups have no charge",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "security groups have no charge",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "security groups have no charge",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "security groups have no charge",
  "aws:ec2/networkAcl:NetworkAcl": "network ACLs have no charge",
  "aws:ec2/networkAclRule:NetworkAclRule": "network ACLs have no charge",
  "aws:ec2/flowLog:FlowLog": "billed as log ingestion into its log group",
  "aws:ec2/networkInterface:NetworkInterface": "network interfaces have no charge of their own",
  "aws:ec2/route:Route": "routes have no charge",
  "aws:ec2/launchTemplate:LaunchTemplate":
    "its instances and volumes are priced on the Auto Scaling group",
  "aws:ecs/cluster:Cluster": "ECS has no charge of its own",
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": "ECS has no charge of its own",
  "aws:ecs/capacityProvider:CapacityProvider": "ECS has no charge of its own",
  "aws:ecs/accountSettingDefault:AccountSettingDefault": "ECS account settings have no charge",
  "aws:ecs/taskDefinition:TaskDefinition": "priced through the service that runs it",
  "aws:lb/listener:Listener": "included in the load balancer's hours and LCUs",
  "aws:lb/listenerRule:ListenerRule": "included in the load balancer's hours and LCUs",
  "aws:lb/targetGroup:TargetGroup": "included in the load balancer's hours and LCUs",
  "aws:appautoscaling/target:Target": "Application Auto Scaling has no charge",
  "aws:appautoscaling/policy:Policy": "Application Auto Scaling has no charge",
  "aws:s3/bucketPolicy:BucketPolicy": "bucket settings have no charge",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "bucket settings have no charge",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "bucket settings have no charge",
  "aws:s3/bucketVersioning:BucketVersioning": "bucket settings have no charge",
  "aws:s3/bucketVersioningV2:BucketVersioningV2": "bucket settings have no charge",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
    "bucket settings have no charge",
  "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":
    "bucket settings have no charge",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
    "bucket settings have no charge",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2":
    "bucket settings have no charge",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": "repository settings have no charge",
  "aws:ecr/repositoryPolicy:RepositoryPolicy": "repository settings have no charge",
  "aws:sqs/queuePolicy:QueuePolicy": "queue settings have no charge",
  "aws:sqs/redrivePolicy:RedrivePolicy": "queue settings have no charge",
  "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": "queue settings have no charge",
  "aws:acm/certificate:Certificate": "public ACM certificates have no charge",
  "aws:acm/certificateValidation:CertificateValidation": "public ACM certificates have no charge",
  "aws:rds/parameterGroup:ParameterGroup": "RDS settings have no charge",
  "aws:rds/subnetGroup:SubnetGroup": "RDS settings have no charge",
  "aws:elasticache/subnetGroup:SubnetGroup": "ElastiCache settings have no charge",
  "aws:elasticache/parameterGroup:ParameterGroup": "ElastiCache settings have no charge",
  "aws:elasticache/user:User": "ElastiCache users have no charge",
  "aws:elasticache/userGroup:UserGroup": "ElastiCache users have no charge",
  "aws:secretsmanager/secretVersion:SecretVersion": "priced with its secret",
  // Alerts: far below SNS's free 1,000 e-mails and 100,000 HTTPS deliveries a month.
  "aws:sns/topic:Topic":
    "SNS topics have no charge; alert notifications stay within the free 1,000 e-mails and 100,000 HTTPS deliveries a month",
  "aws:sns/topicPolicy:TopicPolicy": "priced with its topic",
  "aws:sns/topicSubscription:TopicSubscription": "priced with its topic",
  "aws:route53/record:Record":
    "records have no charge of their own (alias queries to AWS are free)",
  // Off hours (components/schedule.ts): the schedulers are free at this volume.
  "aws:appautoscaling/scheduledAction:ScheduledAction": "Application Auto Scaling has no charge",
  "aws:autoscaling/schedule:Schedule": "EC2 Auto Scaling has no charge",
  "aws:scheduler/schedule:Schedule":
    "EventBridge Scheduler bills $1.00 per million invocations beyond 14 million free a month (cloudburn.io, March 2026); these make about 44",
  // Restarts after a database password rotation (components/rotation-restart.ts).
  "aws:secretsmanager/secretRotation:SecretRotation":
    "a rotation schedule has no charge; RDS rotates its managed secret itself (no Lambda)",
  "aws:cloudwatch/eventRule:EventRule":
    "EventBridge does not charge for AWS service events on the default bus",
  "aws:cloudwatch/eventTarget:EventTarget": "priced with its rule (no charge)",
  "aws:sfn/stateMachine:StateMachine":
    "Step Functions Standard bills $0.025 per 1,000 state transitions (infracost sfn_state_machine golden, us-east-1); a restart after a rotation is 1 + one per service (3 for api and jobs), so a weekly rotation makes about 13 a month: $0.0003",
  // The web ACL carries the WAF charges (plan/cost-waf.ts).
  "aws:wafv2/webAclAssociation:WebAclAssociation": "priced with its web ACL",
  "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration":
    "billed as log ingestion into its log group",
  "aws:wafv2/ipSet:IpSet": "IP sets have no charge of their own (the rule that reads one does)",
};

/** Why a known type stays unpriced: it bills by a unit the price table does not list. */
export const UNPRICED_REASONS: Readonly<Record<string, string>> = {
  "aws:sqs/queue:Queue": "SQS bills per request; the price table has no SQS price",
  "aws:servicediscovery/httpNamespace:HttpNamespace":
    "Cloud Map bills per registered instance and lookup; the price table has no Cloud Map price",
  "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace":
    "Cloud Map bills per registered instance and lookup; the price table has no Cloud Map price",
};
