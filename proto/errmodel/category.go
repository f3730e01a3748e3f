package errmodel

import (
	"net/http"

	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
)

// Category is the coarse class of an error. Clients use it to decide whether
// to fix their input, retry, or give up.
type Category string

// The categories of the model. The set is closed: anything else is treated
// as Internal.
const (
	Validation          Category = "validation"
	NotFound            Category = "not_found"
	Conflict            Category = "conflict"
	Unauthorized        Category = "unauthorized"
	Forbidden           Category = "forbidden"
	RateLimited         Category = "rate_limited"
	UpstreamUnavailable Category = "upstream_unavailable"
	Internal            Category = "internal"
)

// categories pairs every category with its wire enum and REST status, so
// the three cannot disagree.
var categories = []struct {
	c    Category
	wire pluginv1.ErrorCategory
	http int
}{
	{Validation, pluginv1.ErrorCategory_ERROR_CATEGORY_VALIDATION, http.StatusBadRequest},
	{NotFound, pluginv1.ErrorCategory_ERROR_CATEGORY_NOT_FOUND, http.StatusNotFound},
	{Conflict, pluginv1.ErrorCategory_ERROR_CATEGORY_CONFLICT, http.StatusConflict},
	{Unauthorized, pluginv1.ErrorCategory_ERROR_CATEGORY_UNAUTHORIZED, http.StatusUnauthorized},
	{Forbidden, pluginv1.ErrorCategory_ERROR_CATEGORY_FORBIDDEN, http.StatusForbidden},
	{RateLimited, pluginv1.ErrorCategory_ERROR_CATEGORY_RATE_LIMITED, http.StatusTooManyRequests},
	{UpstreamUnavailable, pluginv1.ErrorCategory_ERROR_CATEGORY_UPSTREAM_UNAVAILABLE, http.StatusServiceUnavailable},
	{Internal, pluginv1.ErrorCategory_ERROR_CATEGORY_INTERNAL, http.StatusInternalServerError},
}

// Categories lists every category of the model, in a stable order.
func Categories() []Category {
	out := make([]Category, len(categories))
	for i, e := range categories {
		out[i] = e.c
	}
	return out
}

// Retryable reports whether errors of this category are worth retrying as
// they are.
func (c Category) Retryable() bool { return c == RateLimited || c == UpstreamUnavailable }

// Known reports whether c is one of the model's categories.
func (c Category) Known() bool {
	for _, e := range categories {
		if e.c == c {
			return true
		}
	}
	return false
}

// HTTPStatus is the status code the REST API answers with for the category.
func (c Category) HTTPStatus() int {
	for _, e := range categories {
		if e.c == c {
			return e.http
		}
	}
	return http.StatusInternalServerError
}

func (c Category) toWire() pluginv1.ErrorCategory {
	for _, e := range categories {
		if e.c == c {
			return e.wire
		}
	}
	return pluginv1.ErrorCategory_ERROR_CATEGORY_INTERNAL
}

// categoryFromWire reads the enum, falling back to the category string that
// plugins built before the enum send; anything unknown is Internal.
func categoryFromWire(kind pluginv1.ErrorCategory, legacy string) Category {
	for _, e := range categories {
		if kind != pluginv1.ErrorCategory_ERROR_CATEGORY_UNSPECIFIED && e.wire == kind {
			return e.c
		}
		if kind == pluginv1.ErrorCategory_ERROR_CATEGORY_UNSPECIFIED && string(e.c) == legacy {
			return e.c
		}
	}
	return Internal
}
