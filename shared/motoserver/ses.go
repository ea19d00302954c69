package motoserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// SentEmail is one message moto's SES accepted, as GET /moto-api/data.json shows it under
// "ses" → "Message". moto keeps the HTML body when there is one, else the text body.
type SentEmail struct {
	ID           string              `json:"id"`
	Source       string              `json:"source"`
	Subject      string              `json:"subject"`
	Body         string              `json:"body"`
	Destinations map[string][]string `json:"destinations"`
}

// To lists the message's To recipients.
func (m SentEmail) To() []string { return m.Destinations["ToAddresses"] }

// SentEmails returns the messages that the moto server at endpoint sent, oldest first. If
// recipient is not empty, only those addressed to it.
func SentEmails(ctx context.Context, endpoint, recipient string) ([]SentEmail, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+"/moto-api/data.json", nil)
	if err != nil {
		return nil, fmt.Errorf("motoserver: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("motoserver: read sent mail: %w", err)
	}
	defer resp.Body.Close()
	var data struct {
		SES struct {
			Message []SentEmail `json:"Message"`
		} `json:"ses"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
		return nil, fmt.Errorf("motoserver: decode sent mail: %w", err)
	}
	if recipient == "" {
		return data.SES.Message, nil
	}
	var out []SentEmail
	for _, m := range data.SES.Message {
		if slices.Contains(m.To(), recipient) {
			out = append(out, m)
		}
	}
	return out, nil
}
