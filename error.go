package marsad

import (
	"errors"
	"fmt"
)

// Application error codes. The HTTP layer maps them to statuses; the CLI
// prints the message. Internal details are logged, never shown to users.
const (
	ECONFLICT = "conflict"
	EINTERNAL = "internal"
	EINVALID  = "invalid"
	ENOTFOUND = "not_found"
	// EUNAVAILABLE: the work was turned away for now (too much at once);
	// the same request may succeed later.
	EUNAVAILABLE = "unavailable"
)

// Error is an application error with a code and a message meant for users.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("marsad: code=%s message=%s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of an
// *Error, or a generic text for internal errors whose details must not leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
