// Package subject holds the NATS subject rules that the rest of jetsim
// stands on: which keys, bucket names and watch patterns nats.go accepts,
// how a literal subject is matched against a filter with the `*` and `>`
// wildcards, and a token trie that answers "which filters match this
// subject" and "which subjects match this filter" in time proportional to
// the answer.
//
// Validation follows nats.go v1.56 (jetstream/kv.go: keyValid,
// searchKeyValid, bucketValid); matching follows nats-server v2.15, where a
// wildcard counts only when it is a whole token and `>` only as the last
// token, so that `a*` or `foo>` are literal tokens that match no key.
package subject
