/**
 * A Redis-compatible cache (ElastiCache for Valkey) that the workloads which `uses` it reach with
 * TLS and an auth token from Secrets Manager.
 *
 * Choice, by cost (us-east-1, ../shared/reference/aws-prices-data.md §3, 730 h/month):
 * - ElastiCache Serverless for Valkey (`aws:elasticache/serverlessCache:ServerlessCache`), the
 *   DEFAULT (`mode: serverless`): $0.084 per GB-hour of data stored, 100 MB minimum = $6.13/month,
 *   plus $0.0023 per million ECPUs (one ECPU ≈ one GET/SET of ≤ 1 KB: 100 requests/s all month ≈
 *   263 M ECPUs ≈ $0.60). Always replicated across AZs with automatic failover, always TLS and
 *   encrypted at rest. Dev ≈ $6.2/month, prod ≈ $6.2/month at the minimum.
 * - Node-based Valkey replication group (`aws:elasticache/replicationGroup:ReplicationGroup`,
 *   `mode: nodes`): $0.0128 per node-hour for cache.t4g.micro ($9.34/month), $0.0256 for
 *   cache.t4g.small ($18.69). Dev one micro = $9.34; prod HA (primary + replica, Multi-AZ,
 *   automatic failover) two micros = $18.69, two smalls = $37.38.
 * Serverless is cheaper in both stacks while the data stays below ≈ 150 MB (dev) / ≈ 300 MB (prod
 * vs two micros) on average; above that, or for a bill that cannot grow with the data, set
 * `mode: nodes` (`maxDataStorageGb` caps serverless's bill meanwhile). Valkey, not Redis OSS:
 * 20% cheaper per node, 33% cheaper serverless, same protocol.
 *
 * Auth: a random 64-character token in a Secrets Manager secret, created once (the version ignores
 * later changes), given to the cache as its AUTH token (nodes) or as the password of its `default`
 * RBAC user (serverless, which takes RBAC only). The token is never in config; it is in Pulumi
 * state as a secret (encrypted), because ElastiCache takes it as an input.
 */
