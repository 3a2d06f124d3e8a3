package subject

// ValidBucket reports whether name is a valid KV bucket name: non-empty and
// made only of ASCII letters, digits, '_' and '-' (nats.go: bucketValid).
func ValidBucket(name string) bool {
	if len(name) == 0 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// ValidKey reports whether key is a valid KV key as nats.go checks it
// (keyValid): non-empty, no leading or trailing '.', no empty token, and
// only ASCII letters, digits and - / _ = . in it.
func ValidKey(key string) bool {
	if !validDots(key) {
		return false
	}
	for i := 0; i < len(key); i++ {
		if !isKeyChar(key[i]) {
			return false
		}
	}
	return true
}

// ValidPattern reports whether pattern is accepted by nats.go as a watch or
// filter pattern (searchKeyValid): the key rules, plus '*' anywhere and '>'
// as the final character. A pattern can pass this check and still match
// nothing (a '*' or '>' inside a longer token is a literal to the server).
func ValidPattern(pattern string) bool {
	if !validDots(pattern) {
		return false
	}
	n := len(pattern)
	if pattern[n-1] == '>' {
		n--
	}
	for i := 0; i < n; i++ {
		if c := pattern[i]; !isKeyChar(c) && c != '*' {
			return false
		}
	}
	return true
}

// validDots is the prefix check nats.go applies to keys and patterns alike.
func validDots(s string) bool {
	if len(s) == 0 || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] == '.' && s[i-1] == '.' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isKeyChar(c byte) bool {
	return isAlnum(c) || c == '-' || c == '/' || c == '_' || c == '=' || c == '.'
}
