package testdb

// UUIDv7SQL returns a PostgreSQL expression for a random UUIDv7 created at
// the timestamptz expression ts. Rows of partitioned tables (their id is the
// partition key, internal/partition) need time-ordered ids: a
// gen_random_uuid() there lands in no month's partition.
func UUIDv7SQL(ts string) string {
	return `(lpad(to_hex((extract(epoch FROM ` + ts + `) * 1000)::bigint), 12, '0') || '7' ||
		substr(md5(random()::text || clock_timestamp()::text), 1, 19))::uuid`
}
