package api

import (
	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/worktracking"
)

// ToAPIWorkLog converts a work log.
func ToAPIWorkLog(w *ent.WorkLog) *oas.WorkLogInfo {
	out := &oas.WorkLogInfo{
		ID: w.ID, OrganizationID: w.OrganizationID, UserID: w.UserID,
		TaskID: optNilUUID(w.TaskID), ProjectID: optNilUUID(w.ProjectID),
		StartedAt: w.StartedAt, EndedAt: optNilTime(w.EndedAt), DurationSeconds: w.DurationSeconds,
		Source: oas.WorkLogInfoSource(w.Source), Billable: w.Billable, Running: w.EndedAt == nil,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt,
	}
	if w.Description != "" {
		out.Description = oas.NewOptString(w.Description)
	}
	return out
}

// ToAPIAppUsage converts an application-usage record.
func ToAPIAppUsage(a *ent.AppUsage) *oas.AppUsageInfo {
	out := &oas.AppUsageInfo{
		ID: a.ID, OrganizationID: a.OrganizationID, ClientRecordID: a.ClientRecordID, DeviceID: a.DeviceID,
		AppName: a.AppName, Category: oas.AppUsageInfoCategory(a.Category), StartedAt: a.StartedAt,
		EndedAt: a.EndedAt, DurationSeconds: a.DurationSeconds, CreatedAt: a.CreatedAt,
	}
	if a.WindowTitle != "" {
		out.WindowTitle = oas.NewOptString(a.WindowTitle)
	}
	if a.URL != "" {
		out.URL = oas.NewOptString(a.URL)
	}
	return out
}

// ToAPIIdlePeriod converts an idle period.
func ToAPIIdlePeriod(p *ent.IdlePeriod) *oas.IdlePeriodInfo {
	return &oas.IdlePeriodInfo{
		ID: p.ID, OrganizationID: p.OrganizationID, ClientRecordID: p.ClientRecordID, DeviceID: p.DeviceID,
		StartedAt: p.StartedAt, EndedAt: p.EndedAt, DurationSeconds: p.DurationSeconds, CreatedAt: p.CreatedAt,
	}
}

// ToAPIIngestResult converts a batch's counts.
func ToAPIIngestResult(r worktracking.IngestResult) *oas.IngestResult {
	out := &oas.IngestResult{Received: r.Received, Inserted: r.Inserted, Duplicates: r.Duplicates,
		Rejected: r.Rejected, Errors: make([]oas.IngestRecordError, 0, len(r.Errors))}
	for _, e := range r.Errors {
		out.Errors = append(out.Errors, oas.IngestRecordError{Index: e.Index, ClientRecordID: e.ClientRecordID, Message: e.Message})
	}
	return out
}

// ToAPIProductivitySummary converts a rollup row.
func ToAPIProductivitySummary(s *ent.ProductivitySummary) *oas.ProductivitySummaryInfo {
	return &oas.ProductivitySummaryInfo{
		OrganizationID: s.OrganizationID, UserID: s.UserID, Period: oas.ProductivitySummaryInfoPeriod(s.Period),
		PeriodStart: s.PeriodStart, ComputedAt: s.ComputedAt,
		Totals: toAPITotals(worktracking.SummaryTotals(s)),
	}
}

// ToAPIMemberProductivity converts a member's totals (manager view).
func ToAPIMemberProductivity(m worktracking.MemberTotals) oas.MemberProductivity {
	return oas.MemberProductivity{UserID: m.UserID, Periods: m.Periods, Totals: toAPITotals(m.Totals)}
}

func toAPITotals(t worktracking.Totals) oas.ProductivityTotals {
	c := t.Categories
	return oas.ProductivityTotals{
		ActiveSeconds: t.Active, IdleSeconds: t.Idle,
		ProductiveSeconds: c["productive"], NeutralSeconds: c["neutral"], DistractingSeconds: c["distracting"],
		CategorySeconds: oas.CategorySeconds{Productive: c["productive"], Neutral: c["neutral"],
			Distracting: c["distracting"], Uncategorized: c["uncategorized"]},
		TasksCompleted: t.TasksCompleted, TimeLoggedSeconds: t.TimeLogged,
	}
}
