package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"time"
)

// meta is Billy's envelope block (billy-api.md §2.1): statusCode, success
// and time (seconds, float) on every success; paging on lists;
// deletedRecords on writes that deleted something.
type meta struct {
	StatusCode     int                 `json:"statusCode"`
	Success        bool                `json:"success"`
	Time           *float64            `json:"time,omitempty"`
	Paging         *paging             `json:"paging,omitempty"`
	DeletedRecords map[string][]string `json:"deletedRecords,omitempty"`
}

func elapsed(start time.Time) *float64 {
	t := math.Round(time.Since(start).Seconds()*1e4) / 1e4
	return &t
}

// marshal encodes JSON without HTML escaping, so URLs keep their "&".
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"meta":{"statusCode":500,"success":false},"errorCode":"INTERNAL_SERVER_ERROR","errorMessage":"The response could not be encoded."}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// errorBody is Billy's error envelope (billy-api.md §5.1).
type errorBody struct {
	Meta             meta                        `json:"meta"`
	ErrorCode        string                      `json:"errorCode"`
	ErrorMessage     string                      `json:"errorMessage"`
	ErrorTime        string                      `json:"errorTime"`
	HelpURL          string                      `json:"helpUrl"`
	ValidationErrors map[string]*validationEntry `json:"validationErrors,omitempty"`
}

func writeError(w http.ResponseWriter, err error, now time.Time) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, code: codeInternal, message: err.Error()}
	}
	writeJSON(w, ae.status, errorBody{
		Meta:             meta{StatusCode: ae.status},
		ErrorCode:        ae.code,
		ErrorMessage:     ae.message,
		ErrorTime:        fmtDatetime(now),
		HelpURL:          helpURL,
		ValidationErrors: ae.validation,
	})
}
