package api

import (
	"context"
	"time"

	"github.com/worksynapse/worksynapse/ent/appusage"
	"github.com/worksynapse/worksynapse/ent/productivitysummary"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/worktracking"
)

// Work tracking: work logs and timers, tracker ingestion and productivity
// (logic in internal/worktracking, visibility in the ent privacy rules).

// ListWorkLogs implements GET /work-logs.
func (h *Handler) ListWorkLogs(ctx context.Context, params oas.ListWorkLogsParams) (oas.ListWorkLogsRes, error) {
	page, err := h.work.List(ctx, worktracking.ListFilter{
		OrganizationID: optPtr(params.OrganizationID), UserID: optPtr(params.UserID),
		ProjectID: optPtr(params.ProjectID), TaskID: optPtr(params.TaskID),
		From: optPtr(params.From), To: optPtr(params.To),
	}, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.WorkLogPage{Items: convertAll(page.Items, deref(ToAPIWorkLog)), NextCursor: nextCursor(page.NextCursor),
		TotalSeconds: page.TotalSeconds}, nil
}

// CreateWorkLog implements POST /work-logs.
func (h *Handler) CreateWorkLog(ctx context.Context, req *oas.WorkLogCreateRequest) (oas.CreateWorkLogRes, error) {
	w, err := h.work.Create(ctx, worktracking.EntryInput{
		Link:        worktracking.Link{TaskID: optPtr(req.TaskID), ProjectID: optPtr(req.ProjectID)},
		Description: optPtr(req.Description), StartedAt: &req.StartedAt, EndedAt: &req.EndedAt,
		Billable: optPtr(req.Billable),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIWorkLog(w), nil
}

// GetWorkLog implements GET /work-logs/{work_log_id}.
func (h *Handler) GetWorkLog(ctx context.Context, params oas.GetWorkLogParams) (oas.GetWorkLogRes, error) {
	w, err := h.work.Get(ctx, params.WorkLogID)
	if err != nil {
		return nil, err
	}
	return ToAPIWorkLog(w), nil
}

// UpdateWorkLog implements PATCH /work-logs/{work_log_id}.
func (h *Handler) UpdateWorkLog(ctx context.Context, req *oas.WorkLogUpdateRequest, params oas.UpdateWorkLogParams) (oas.UpdateWorkLogRes, error) {
	w, err := h.work.Update(ctx, params.WorkLogID, worktracking.EntryInput{
		Link:        worktracking.Link{TaskID: optPtr(req.TaskID), ProjectID: optPtr(req.ProjectID)},
		Description: optPtr(req.Description), StartedAt: optPtr(req.StartedAt), EndedAt: optPtr(req.EndedAt),
		Billable: optPtr(req.Billable),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIWorkLog(w), nil
}

// DeleteWorkLog implements DELETE /work-logs/{work_log_id}.
func (h *Handler) DeleteWorkLog(ctx context.Context, params oas.DeleteWorkLogParams) (oas.DeleteWorkLogRes, error) {
	return &oas.DeleteWorkLogNoContent{}, h.work.Delete(ctx, params.WorkLogID)
}

// GetRunningTimer implements GET /work-logs/timer.
func (h *Handler) GetRunningTimer(ctx context.Context) (oas.GetRunningTimerRes, error) {
	w, err := h.work.Running(ctx)
	if err != nil {
		return nil, err
	}
	return ToAPIWorkLog(w), nil
}

// StartTimer implements POST /work-logs/timer/start.
func (h *Handler) StartTimer(ctx context.Context, req *oas.TimerStartRequest) (oas.StartTimerRes, error) {
	w, err := h.work.Start(ctx, worktracking.Link{TaskID: optPtr(req.TaskID), ProjectID: optPtr(req.ProjectID)},
		optPtr(req.Description), optPtr(req.Billable))
	if err != nil {
		return nil, err
	}
	return ToAPIWorkLog(w), nil
}

// StopTimer implements POST /work-logs/timer/stop.
func (h *Handler) StopTimer(ctx context.Context) (oas.StopTimerRes, error) {
	w, err := h.work.Stop(ctx)
	if err != nil {
		return nil, err
	}
	return ToAPIWorkLog(w), nil
}

// IngestAppUsage implements POST /tracking/app-usage.
func (h *Handler) IngestAppUsage(ctx context.Context, req *oas.AppUsageBatchRequest) (oas.IngestAppUsageRes, error) {
	recs := make([]worktracking.AppUsageRecord, len(req.Records))
	for i, r := range req.Records {
		recs[i] = worktracking.AppUsageRecord{
			Span:    worktracking.Span{ClientRecordID: r.ClientRecordID, DeviceID: r.DeviceID, StartedAt: r.StartedAt, EndedAt: r.EndedAt},
			AppName: r.AppName, WindowTitle: r.WindowTitle.Or(""), URL: r.URL.Or(""),
			Category: appusage.Category(r.Category.Or(oas.AppUsageCategoryUncategorized)),
		}
	}
	res, err := h.work.IngestAppUsage(ctx, req.OrganizationID, recs)
	if err != nil {
		return nil, err
	}
	return ToAPIIngestResult(res), nil
}

// IngestIdlePeriods implements POST /tracking/idle-periods.
func (h *Handler) IngestIdlePeriods(ctx context.Context, req *oas.IdlePeriodBatchRequest) (oas.IngestIdlePeriodsRes, error) {
	spans := make([]worktracking.Span, len(req.Records))
	for i, r := range req.Records {
		spans[i] = worktracking.Span{ClientRecordID: r.ClientRecordID, DeviceID: r.DeviceID, StartedAt: r.StartedAt, EndedAt: r.EndedAt}
	}
	res, err := h.work.IngestIdlePeriods(ctx, req.OrganizationID, spans)
	if err != nil {
		return nil, err
	}
	return ToAPIIngestResult(res), nil
}

// ListMyAppUsage implements GET /me/app-usage.
func (h *Handler) ListMyAppUsage(ctx context.Context, params oas.ListMyAppUsageParams) (oas.ListMyAppUsageRes, error) {
	page, err := h.work.MyAppUsage(ctx, worktracking.RawFilter{
		OrganizationID: optPtr(params.OrganizationID), From: optPtr(params.From), To: optPtr(params.To),
	}, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.AppUsagePage{Items: convertAll(page.Items, deref(ToAPIAppUsage)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// ListMyIdlePeriods implements GET /me/idle-periods.
func (h *Handler) ListMyIdlePeriods(ctx context.Context, params oas.ListMyIdlePeriodsParams) (oas.ListMyIdlePeriodsRes, error) {
	page, err := h.work.MyIdlePeriods(ctx, worktracking.RawFilter{
		OrganizationID: optPtr(params.OrganizationID), From: optPtr(params.From), To: optPtr(params.To),
	}, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.IdlePeriodPage{Items: convertAll(page.Items, deref(ToAPIIdlePeriod)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// GetMyProductivity implements GET /me/productivity.
func (h *Handler) GetMyProductivity(ctx context.Context, params oas.GetMyProductivityParams) (oas.GetMyProductivityRes, error) {
	rows, err := h.work.MyProductivity(ctx, productivityRange(params.From, params.To, params.Period),
		optPtr(params.OrganizationID))
	if err != nil {
		return nil, err
	}
	return &oas.ProductivitySummaryList{Items: convertAll(rows, deref(ToAPIProductivitySummary))}, nil
}

// GetOrganizationProductivity implements GET /organizations/{org_id}/productivity.
func (h *Handler) GetOrganizationProductivity(ctx context.Context, params oas.GetOrganizationProductivityParams) (oas.GetOrganizationProductivityRes, error) {
	page, err := h.work.OrgProductivity(ctx, params.OrgID, productivityRange(params.From, params.To, params.Period),
		worktracking.MemberFilter{UserID: optPtr(params.UserID), ProjectID: optPtr(params.ProjectID)},
		pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.MemberProductivityPage{Items: convertAll(page.Items, ToAPIMemberProductivity),
		NextCursor: nextCursor(page.NextCursor)}, nil
}

func productivityRange(from, to time.Time, period oas.OptProductivityPeriod) worktracking.Range {
	return worktracking.Range{From: from, To: to,
		Period: productivitysummary.Period(period.Or(oas.ProductivityPeriodDaily))}
}
