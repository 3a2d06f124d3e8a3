package subject

// Separator and wildcard characters of the NATS subject syntax.
const (
	Sep  = '.'
	Star = "*"
	Tail = ">"
)

// Match reports whether the literal subject matches filter. In filter, a
// token that is exactly "*" matches any one token and a final token that is
// exactly ">" matches one or more tokens; every other token, including ones
// such as "a*" or "foo>", must equal the subject's token. An empty token on
// either side never matches, except in the part of subj that a final ">"
// covers, which is not examined (nats-server's SubjectMatchesFilter does the
// same; valid keys have no empty token). Match does not allocate.
func Match(subj, filter string) bool {
	for {
		ft, frest, fmore := Next(filter)
		st, srest, smore := Next(subj)
		if len(ft) == 0 || len(st) == 0 {
			return false
		}
		switch {
		case ft == Tail && !fmore:
			return true
		case ft == Star:
		case ft != st:
			return false
		}
		if fmore != smore {
			return false
		}
		if !fmore {
			return true
		}
		filter, subj = frest, srest
	}
}

// Next splits s at its first separator: the first token, what follows the
// separator, and whether there was a separator at all.
func Next(s string) (tok, rest string, more bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == Sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// Literal reports whether s has no wildcard token, so that it can only
// match itself.
func Literal(s string) bool {
	for {
		tok, rest, more := Next(s)
		if tok == Star || (tok == Tail && !more) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// Overlap reports whether some literal subject could match both filters
// a and b (the server rejects consumers whose filters overlap).
func Overlap(a, b string) bool {
	for {
		at, arest, amore := Next(a)
		bt, brest, bmore := Next(b)
		if (at == Tail && !amore) || (bt == Tail && !bmore) {
			return true
		}
		if at != bt && at != Star && bt != Star {
			return false
		}
		if amore != bmore {
			return false
		}
		if !amore {
			return true
		}
		a, b = arest, brest
	}
}

// Tokens returns the number of tokens in s.
func Tokens(s string) int {
	n := 1
	for i := 0; i < len(s); i++ {
		if s[i] == Sep {
			n++
		}
	}
	return n
}
