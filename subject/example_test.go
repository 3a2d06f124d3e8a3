package subject_test

import (
	"fmt"
	"slices"

	"github.com/jetsim/jetsim/subject"
)

func ExampleMatch() {
	fmt.Println(subject.Match("$KV.B.user.42", "$KV.B.*.42"))
	fmt.Println(subject.Match("$KV.B.user.42", "$KV.B.>"))
	fmt.Println(subject.Match("$KV.B", "$KV.B.>"))     // ">" needs at least one token
	fmt.Println(subject.Match("$KV.B.ab", "$KV.B.a*")) // "a*" is a literal token
	// Output:
	// true
	// true
	// false
	// false
}

func ExampleTree_MatchFilters() {
	var watchers subject.Tree[string]
	watchers.Set("$KV.B.>", "all keys")
	watchers.Set("$KV.B.user.*", "users")
	watchers.Set("$KV.B.order.*", "orders")

	var hit []string
	watchers.MatchFilters("$KV.B.user.42", func(filter, name string) bool {
		hit = append(hit, name)
		return true
	})
	slices.Sort(hit)
	fmt.Println(hit)
	// Output: [all keys users]
}
