// Package export renders the analytics plugin's reports as JSON, CSV and
// PDF. A report reaches it as a Document: tables whose cells carry machine
// values (decimals, ISO dates) and charts. CSV and JSON keep the machine
// formats (a program reads them); the PDF is for people and uses Danish
// formats (1.234,56 kr., 27.11.2026), the organization's name, the period,
// page numbers and charts drawn with go-analyze/charts.
package export
