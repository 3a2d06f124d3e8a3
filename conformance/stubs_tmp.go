package conformance

import "testing"

func (s *suite) testStatus(t *testing.T)    {}
func (s *suite) testLimits(t *testing.T)    {}
func (s *suite) testTTL(t *testing.T)       {}
