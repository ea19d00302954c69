package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// apiError is the body of every error response.
type apiError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{errorBody{Code: code, Message: msg}})
}

func writeFieldError(w http.ResponseWriter, field, msg string) {
	writeJSON(w, http.StatusBadRequest, apiError{errorBody{Code: "invalid_field", Message: msg, Field: field}})
}

// decode reads r's JSON body into v, refusing unknown fields, wrong types, trailing data and
// bodies over MaxBodyBytes. It writes the error response itself and reports whether to go on.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusBadRequest, "bad_request", "send the request body as JSON (Content-Type: application/json), not "+ct)
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON object")
	}
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	if err == nil {
		return true
	}
	var (
		maxErr    *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &maxErr):
		writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large",
			fmt.Sprintf("the request body is over %d KiB", MaxBodyBytes>>10))
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, "bad_request", "the request body is empty; send a JSON object")
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		writeError(w, http.StatusBadRequest, "bad_request", "the request body is not valid JSON: "+err.Error())
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			writeError(w, http.StatusBadRequest, "bad_request", "the request body must be a JSON object, not "+typeErr.Value)
			return false
		}
		writeFieldError(w, field, fmt.Sprintf("%s: must be %s, not %s", field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		writeFieldError(w, field, fmt.Sprintf("%s: unknown field; allowed fields are %s", field, allowedFields(v)))
	default:
		writeError(w, http.StatusBadRequest, "bad_request", "the request body could not be read: "+err.Error())
	}
	return false
}

func jsonKind(goKind string) string {
	switch goKind {
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice", "array":
		return "a list"
	case "int", "int64", "float64":
		return "a number"
	case "struct", "map":
		return "an object"
	}
	return goKind
}
