"""Contains all the data models used in inputs/outputs"""

from .address_verification import AddressVerification
from .agent_policy import AgentPolicy
from .api_key import ApiKey
from .api_key_list import ApiKeyList
from .api_key_params import ApiKeyParams
from .approval_decision import ApprovalDecision
from .approval_rule import ApprovalRule
from .article import Article
from .article_changes import ArticleChanges
from .article_changes_body_format_type_0 import ArticleChangesBodyFormatType0
from .article_changes_status_type_0 import ArticleChangesStatusType0
from .article_list import ArticleList
from .article_summary import ArticleSummary
from .article_version import ArticleVersion
from .assignment import Assignment
from .audit_entry import AuditEntry
from .audit_entry_request import AuditEntryRequest
from .audit_entry_response import AuditEntryResponse
from .audit_page import AuditPage
from .candidate_request import CandidateRequest
from .catalog import Catalog
from .catalog_tool import CatalogTool
from .catalog_tool_annotations import CatalogToolAnnotations
from .catalog_tool_input_schema import CatalogToolInputSchema
from .chat_history import ChatHistory
from .chat_history_events_item import ChatHistoryEventsItem
from .chat_opened import ChatOpened
from .collection import Collection
from .collection_list import CollectionList
from .config_diff import ConfigDiff
from .connect_started import ConnectStarted
from .connected import Connected
from .connection_tested import ConnectionTested
from .connection_tested_outcome import ConnectionTestedOutcome
from .conversation_cost import ConversationCost
from .conversation_created import ConversationCreated
from .conversation_diff import ConversationDiff
from .conversation_facts import ConversationFacts
from .conversation_facts_list import ConversationFactsList
from .conversation_filter import ConversationFilter
from .conversation_filter_resolved_by_type_0 import ConversationFilterResolvedByType0
from .conversation_filter_status import ConversationFilterStatus
from .conversation_list import ConversationList
from .conversation_summary import ConversationSummary
from .conversation_view import ConversationView
from .cost_distribution import CostDistribution
from .cost_driver import CostDriver
from .cost_report import CostReport
from .crawl import Crawl
from .created_api_key import CreatedApiKey
from .created_human_agent import CreatedHumanAgent
from .created_widget_key import CreatedWidgetKey
from .csat import Csat
from .csat_answer import CsatAnswer
from .csat_day import CsatDay
from .csat_in import CsatIn
from .csat_report import CsatReport
from .daily_point import DailyPoint
from .daily_report import DailyReport
from .dead_letter_detail import DeadLetterDetail
from .dead_letter_view import DeadLetterView
from .dead_letters import DeadLetters
from .deflection_day import DeflectionDay
from .document_problem import DocumentProblem
from .event_page import EventPage
from .event_page_events_item import EventPageEventsItem
from .expensive_conversation import ExpensiveConversation
from .external_ticket import ExternalTicket
from .external_ticket_page import ExternalTicketPage
from .field_change import FieldChange
from .gate_policy import GatePolicy
from .gate_progress import GateProgress
from .gate_report import GateReport
from .gate_request import GateRequest
from .gate_run_list import GateRunList
from .gate_run_view import GateRunView
from .gate_run_view_status import GateRunViewStatus
from .hand_back import HandBack
from .http_server import HttpServer
from .http_server_headers import HttpServerHeaders
from .http_server_mode import HttpServerMode
from .hubspot_connect import HubspotConnect
from .hubspot_connect_params import HubspotConnectParams
from .human_agent import HumanAgent
from .human_agent_change import HumanAgentChange
from .human_agent_change_availability import HumanAgentChangeAvailability
from .human_agent_change_role import HumanAgentChangeRole
from .human_agent_list import HumanAgentList
from .imported import Imported
from .integration_info import IntegrationInfo
from .integration_list import IntegrationList
from .invoice_line import InvoiceLine
from .invoice_preview import InvoicePreview
from .knowledge_scope import KnowledgeScope
from .ledger_line import LedgerLine
from .limits import Limits
from .line import Line
from .mcp_server_info import McpServerInfo
from .mcp_server_list import McpServerList
from .mcp_tool_info import McpToolInfo
from .mcp_tool_info_annotations import McpToolInfoAnnotations
from .mcp_tool_info_input_schema import McpToolInfoInputSchema
from .message_accepted import MessageAccepted
from .mode_change import ModeChange
from .mode_change_mode import ModeChangeMode
from .mode_change_reads import ModeChangeReads
from .mode_changed import ModeChanged
from .model_cost import ModelCost
from .model_option_info import ModelOptionInfo
from .model_options import ModelOptions
from .model_setting import ModelSetting
from .model_setting_provider import ModelSettingProvider
from .monthly_usage import MonthlyUsage
from .new_api_key import NewApiKey
from .new_api_key_role import NewApiKeyRole
from .new_article import NewArticle
from .new_article_body_format import NewArticleBodyFormat
from .new_article_status import NewArticleStatus
from .new_collection import NewCollection
from .new_crawl import NewCrawl
from .new_human_agent import NewHumanAgent
from .new_human_agent_role import NewHumanAgentRole
from .new_support_address import NewSupportAddress
from .new_widget_key import NewWidgetKey
from .note import Note
from .note_in import NoteIn
from .note_list import NoteList
from .open_chat import OpenChat
from .operator_model import OperatorModel
from .password_in import PasswordIn
from .pending_approval import PendingApproval
from .pending_approval_arguments import PendingApprovalArguments
from .pending_approvals import PendingApprovals
from .plan_change import PlanChange
from .plan_change_over_limit_behaviour import PlanChangeOverLimitBehaviour
from .plan_change_plan import PlanChangePlan
from .plan_limits import PlanLimits
from .post_message import PostMessage
from .privacy_accepted import PrivacyAccepted
from .privacy_status import PrivacyStatus
from .privacy_status_bundle_type_0 import PrivacyStatusBundleType0
from .privacy_status_services import PrivacyStatusServices
from .privacy_status_services_additional_property import PrivacyStatusServicesAdditionalProperty
from .privacy_subject_type_0 import PrivacySubjectType0
from .privacy_subject_type_1 import PrivacySubjectType1
from .privacy_subject_type_2 import PrivacySubjectType2
from .problem import Problem
from .problem_errors_item import ProblemErrorsItem
from .procedure_check import ProcedureCheck
from .procedure_input import ProcedureInput
from .procedure_list import ProcedureList
from .procedure_summary import ProcedureSummary
from .procedure_view import ProcedureView
from .procedure_view_document import ProcedureViewDocument
from .progress import Progress
from .promote_request import PromoteRequest
from .publish_request import PublishRequest
from .rating import Rating
from .redrive_report import RedriveReport
from .redrive_request import RedriveRequest
from .redrive_result import RedriveResult
from .reindexed import Reindexed
from .release_action import ReleaseAction
from .release_config import ReleaseConfig
from .release_config_procedures_item import ReleaseConfigProceduresItem
from .release_figures import ReleaseFigures
from .release_list import ReleaseList
from .release_summary import ReleaseSummary
from .release_summary_role import ReleaseSummaryRole
from .release_view import ReleaseView
from .release_view_role import ReleaseViewRole
from .replay_accepted import ReplayAccepted
from .replay_list import ReplayList
from .replay_list_item import ReplayListItem
from .replay_request_type_0 import ReplayRequestType0
from .replay_request_type_1 import ReplayRequestType1
from .replay_result import ReplayResult
from .replay_summary import ReplaySummary
from .replay_view import ReplayView
from .replay_view_candidate import ReplayViewCandidate
from .reply_in import ReplyIn
from .reply_out import ReplyOut
from .retention_policy import RetentionPolicy
from .rollback_request import RollbackRequest
from .rollout_request import RolloutRequest
from .rollout_view import RolloutView
from .search_hit import SearchHit
from .search_results import SearchResults
from .shopify_connect import ShopifyConnect
from .shopify_connect_params import ShopifyConnectParams
from .sign_in import SignIn
from .signed_in import SignedIn
from .simulation_accepted import SimulationAccepted
from .simulation_list import SimulationList
from .simulation_list_item import SimulationListItem
from .simulation_progress import SimulationProgress
from .simulation_request import SimulationRequest
from .simulation_view import SimulationView
from .simulation_view_candidate_type_0 import SimulationViewCandidateType0
from .sla import Sla
from .sla_policy import SlaPolicy
from .sla_target import SlaTarget
from .sla_target_in import SlaTargetIn
from .sso_authorization import SsoAuthorization
from .sso_authorization_in import SsoAuthorizationIn
from .sso_config import SsoConfig
from .sso_config_in import SsoConfigIn
from .sso_config_in_default_role_type_0 import SsoConfigInDefaultRoleType0
from .sso_config_in_role_values import SsoConfigInRoleValues
from .sso_config_in_role_values_additional_property import SsoConfigInRoleValuesAdditionalProperty
from .sso_config_role_values import SsoConfigRoleValues
from .sso_session_in import SsoSessionIn
from .start_conversation import StartConversation
from .status_change import StatusChange
from .status_change_status import StatusChangeStatus
from .stdio_server import StdioServer
from .stdio_server_env import StdioServerEnv
from .stdio_server_mode import StdioServerMode
from .stored_suite_list import StoredSuiteList
from .stored_suite_request import StoredSuiteRequest
from .stored_suite_summary import StoredSuiteSummary
from .stored_suite_view import StoredSuiteView
from .stripe_connect import StripeConnect
from .suite_from_conversations import SuiteFromConversations
from .suite_outcome import SuiteOutcome
from .suite_report import SuiteReport
from .suite_report_pass_hat import SuiteReportPassHat
from .support_address import SupportAddress
from .support_address_status import SupportAddressStatus
from .support_addresses import SupportAddresses
from .task_report import TaskReport
from .task_report_pass_hat import TaskReportPassHat
from .tenant_model import TenantModel
from .tenant_model_provider import TenantModelProvider
from .tenant_plan_view import TenantPlanView
from .tenant_plan_view_over_limit_behaviour import TenantPlanViewOverLimitBehaviour
from .text_change import TextChange
from .ticket import Ticket
from .ticket_change import TicketChange
from .ticket_change_priority import TicketChangePriority
from .ticket_list import TicketList
from .tool_action import ToolAction
from .tool_action_approval import ToolActionApproval
from .tool_action_arguments import ToolActionArguments
from .tool_change import ToolChange
from .tool_change_candidate_arguments_type_0 import ToolChangeCandidateArgumentsType0
from .tool_change_change import ToolChangeChange
from .tool_change_recorded_arguments_type_0 import ToolChangeRecordedArgumentsType0
from .tool_changes import ToolChanges
from .tool_changes_descriptions import ToolChangesDescriptions
from .tool_cost import ToolCost
from .tool_spec import ToolSpec
from .tool_spec_annotations import ToolSpecAnnotations
from .tool_spec_input_schema import ToolSpecInputSchema
from .tool_spec_risk import ToolSpecRisk
from .transcript_line import TranscriptLine
from .trial_report import TrialReport
from .turn_actions import TurnActions
from .turn_diff import TurnDiff
from .v1_agent_conversations_conversation_id_approvals_tool_call_id_decide_approval_response_202 import (
    V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202,
)
from .v1_billing_reports_conversations_drill_down_outcome_type_1 import (
    V1BillingReportsConversationsDrillDownOutcomeType1,
)
from .v1_billing_reports_conversations_drill_down_outcome_type_2_type_1 import (
    V1BillingReportsConversationsDrillDownOutcomeType2Type1,
)
from .v1_billing_reports_conversations_drill_down_outcome_type_3_type_1 import (
    V1BillingReportsConversationsDrillDownOutcomeType3Type1,
)
from .v1_conversations_chat_conversation_id_csat_csat_response_201 import (
    V1ConversationsChatConversationIdCsatCsatResponse201,
)
from .v1_conversations_chat_conversation_id_events_stream_response_200 import (
    V1ConversationsChatConversationIdEventsStreamResponse200,
)
from .v1_knowledge_articles_list_articles_status_type_1 import V1KnowledgeArticlesListArticlesStatusType1
from .v1_knowledge_articles_list_articles_status_type_2_type_1 import V1KnowledgeArticlesListArticlesStatusType2Type1
from .v1_knowledge_articles_list_articles_status_type_3_type_1 import V1KnowledgeArticlesListArticlesStatusType3Type1
from .v1_knowledge_collections_create_collection_response_201 import V1KnowledgeCollectionsCreateCollectionResponse201
from .v1_knowledge_imports_import_file_status import V1KnowledgeImportsImportFileStatus
from .v1_knowledge_search_search_mode import V1KnowledgeSearchSearchMode
from .v1_simulations_suites_suite_from_response_200 import V1SimulationsSuitesSuiteFromResponse200
from .v1_tickets_inbox_priority_type_1 import V1TicketsInboxPriorityType1
from .v1_tickets_inbox_priority_type_2_type_1 import V1TicketsInboxPriorityType2Type1
from .v1_tickets_inbox_priority_type_3_type_1 import V1TicketsInboxPriorityType3Type1
from .v1_tickets_inbox_status_type_1 import V1TicketsInboxStatusType1
from .v1_tickets_inbox_status_type_2_type_1 import V1TicketsInboxStatusType2Type1
from .v1_tickets_inbox_status_type_3_type_1 import V1TicketsInboxStatusType3Type1
from .v1_tickets_inbox_view import V1TicketsInboxView
from .v1_tickets_stream_stream_response_200 import V1TicketsStreamStreamResponse200
from .version_list import VersionList
from .webhook_accepted import WebhookAccepted
from .webhook_endpoint import WebhookEndpoint
from .webhook_secret import WebhookSecret
from .widget_key_list import WidgetKeyList
from .widget_key_summary import WidgetKeySummary
from .write_change import WriteChange
from .zendesk_connect import ZendeskConnect
from .zendesk_connect_params import ZendeskConnectParams

__all__ = (
    "AddressVerification",
    "AgentPolicy",
    "ApiKey",
    "ApiKeyList",
    "ApiKeyParams",
    "ApprovalDecision",
    "ApprovalRule",
    "Article",
    "ArticleChanges",
    "ArticleChangesBodyFormatType0",
    "ArticleChangesStatusType0",
    "ArticleList",
    "ArticleSummary",
    "ArticleVersion",
    "Assignment",
    "AuditEntry",
    "AuditEntryRequest",
    "AuditEntryResponse",
    "AuditPage",
    "CandidateRequest",
    "Catalog",
    "CatalogTool",
    "CatalogToolAnnotations",
    "CatalogToolInputSchema",
    "ChatHistory",
    "ChatHistoryEventsItem",
    "ChatOpened",
    "Collection",
    "CollectionList",
    "ConfigDiff",
    "Connected",
    "ConnectionTested",
    "ConnectionTestedOutcome",
    "ConnectStarted",
    "ConversationCost",
    "ConversationCreated",
    "ConversationDiff",
    "ConversationFacts",
    "ConversationFactsList",
    "ConversationFilter",
    "ConversationFilterResolvedByType0",
    "ConversationFilterStatus",
    "ConversationList",
    "ConversationSummary",
    "ConversationView",
    "CostDistribution",
    "CostDriver",
    "CostReport",
    "Crawl",
    "CreatedApiKey",
    "CreatedHumanAgent",
    "CreatedWidgetKey",
    "Csat",
    "CsatAnswer",
    "CsatDay",
    "CsatIn",
    "CsatReport",
    "DailyPoint",
    "DailyReport",
    "DeadLetterDetail",
    "DeadLetters",
    "DeadLetterView",
    "DeflectionDay",
    "DocumentProblem",
    "EventPage",
    "EventPageEventsItem",
    "ExpensiveConversation",
    "ExternalTicket",
    "ExternalTicketPage",
    "FieldChange",
    "GatePolicy",
    "GateProgress",
    "GateReport",
    "GateRequest",
    "GateRunList",
    "GateRunView",
    "GateRunViewStatus",
    "HandBack",
    "HttpServer",
    "HttpServerHeaders",
    "HttpServerMode",
    "HubspotConnect",
    "HubspotConnectParams",
    "HumanAgent",
    "HumanAgentChange",
    "HumanAgentChangeAvailability",
    "HumanAgentChangeRole",
    "HumanAgentList",
    "Imported",
    "IntegrationInfo",
    "IntegrationList",
    "InvoiceLine",
    "InvoicePreview",
    "KnowledgeScope",
    "LedgerLine",
    "Limits",
    "Line",
    "McpServerInfo",
    "McpServerList",
    "McpToolInfo",
    "McpToolInfoAnnotations",
    "McpToolInfoInputSchema",
    "MessageAccepted",
    "ModeChange",
    "ModeChanged",
    "ModeChangeMode",
    "ModeChangeReads",
    "ModelCost",
    "ModelOptionInfo",
    "ModelOptions",
    "ModelSetting",
    "ModelSettingProvider",
    "MonthlyUsage",
    "NewApiKey",
    "NewApiKeyRole",
    "NewArticle",
    "NewArticleBodyFormat",
    "NewArticleStatus",
    "NewCollection",
    "NewCrawl",
    "NewHumanAgent",
    "NewHumanAgentRole",
    "NewSupportAddress",
    "NewWidgetKey",
    "Note",
    "NoteIn",
    "NoteList",
    "OpenChat",
    "OperatorModel",
    "PasswordIn",
    "PendingApproval",
    "PendingApprovalArguments",
    "PendingApprovals",
    "PlanChange",
    "PlanChangeOverLimitBehaviour",
    "PlanChangePlan",
    "PlanLimits",
    "PostMessage",
    "PrivacyAccepted",
    "PrivacyStatus",
    "PrivacyStatusBundleType0",
    "PrivacyStatusServices",
    "PrivacyStatusServicesAdditionalProperty",
    "PrivacySubjectType0",
    "PrivacySubjectType1",
    "PrivacySubjectType2",
    "Problem",
    "ProblemErrorsItem",
    "ProcedureCheck",
    "ProcedureInput",
    "ProcedureList",
    "ProcedureSummary",
    "ProcedureView",
    "ProcedureViewDocument",
    "Progress",
    "PromoteRequest",
    "PublishRequest",
    "Rating",
    "RedriveReport",
    "RedriveRequest",
    "RedriveResult",
    "Reindexed",
    "ReleaseAction",
    "ReleaseConfig",
    "ReleaseConfigProceduresItem",
    "ReleaseFigures",
    "ReleaseList",
    "ReleaseSummary",
    "ReleaseSummaryRole",
    "ReleaseView",
    "ReleaseViewRole",
    "ReplayAccepted",
    "ReplayList",
    "ReplayListItem",
    "ReplayRequestType0",
    "ReplayRequestType1",
    "ReplayResult",
    "ReplaySummary",
    "ReplayView",
    "ReplayViewCandidate",
    "ReplyIn",
    "ReplyOut",
    "RetentionPolicy",
    "RollbackRequest",
    "RolloutRequest",
    "RolloutView",
    "SearchHit",
    "SearchResults",
    "ShopifyConnect",
    "ShopifyConnectParams",
    "SignedIn",
    "SignIn",
    "SimulationAccepted",
    "SimulationList",
    "SimulationListItem",
    "SimulationProgress",
    "SimulationRequest",
    "SimulationView",
    "SimulationViewCandidateType0",
    "Sla",
    "SlaPolicy",
    "SlaTarget",
    "SlaTargetIn",
    "SsoAuthorization",
    "SsoAuthorizationIn",
    "SsoConfig",
    "SsoConfigIn",
    "SsoConfigInDefaultRoleType0",
    "SsoConfigInRoleValues",
    "SsoConfigInRoleValuesAdditionalProperty",
    "SsoConfigRoleValues",
    "SsoSessionIn",
    "StartConversation",
    "StatusChange",
    "StatusChangeStatus",
    "StdioServer",
    "StdioServerEnv",
    "StdioServerMode",
    "StoredSuiteList",
    "StoredSuiteRequest",
    "StoredSuiteSummary",
    "StoredSuiteView",
    "StripeConnect",
    "SuiteFromConversations",
    "SuiteOutcome",
    "SuiteReport",
    "SuiteReportPassHat",
    "SupportAddress",
    "SupportAddresses",
    "SupportAddressStatus",
    "TaskReport",
    "TaskReportPassHat",
    "TenantModel",
    "TenantModelProvider",
    "TenantPlanView",
    "TenantPlanViewOverLimitBehaviour",
    "TextChange",
    "Ticket",
    "TicketChange",
    "TicketChangePriority",
    "TicketList",
    "ToolAction",
    "ToolActionApproval",
    "ToolActionArguments",
    "ToolChange",
    "ToolChangeCandidateArgumentsType0",
    "ToolChangeChange",
    "ToolChangeRecordedArgumentsType0",
    "ToolChanges",
    "ToolChangesDescriptions",
    "ToolCost",
    "ToolSpec",
    "ToolSpecAnnotations",
    "ToolSpecInputSchema",
    "ToolSpecRisk",
    "TranscriptLine",
    "TrialReport",
    "TurnActions",
    "TurnDiff",
    "V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202",
    "V1BillingReportsConversationsDrillDownOutcomeType1",
    "V1BillingReportsConversationsDrillDownOutcomeType2Type1",
    "V1BillingReportsConversationsDrillDownOutcomeType3Type1",
    "V1ConversationsChatConversationIdCsatCsatResponse201",
    "V1ConversationsChatConversationIdEventsStreamResponse200",
    "V1KnowledgeArticlesListArticlesStatusType1",
    "V1KnowledgeArticlesListArticlesStatusType2Type1",
    "V1KnowledgeArticlesListArticlesStatusType3Type1",
    "V1KnowledgeCollectionsCreateCollectionResponse201",
    "V1KnowledgeImportsImportFileStatus",
    "V1KnowledgeSearchSearchMode",
    "V1SimulationsSuitesSuiteFromResponse200",
    "V1TicketsInboxPriorityType1",
    "V1TicketsInboxPriorityType2Type1",
    "V1TicketsInboxPriorityType3Type1",
    "V1TicketsInboxStatusType1",
    "V1TicketsInboxStatusType2Type1",
    "V1TicketsInboxStatusType3Type1",
    "V1TicketsInboxView",
    "V1TicketsStreamStreamResponse200",
    "VersionList",
    "WebhookAccepted",
    "WebhookEndpoint",
    "WebhookSecret",
    "WidgetKeyList",
    "WidgetKeySummary",
    "WriteChange",
    "ZendeskConnect",
    "ZendeskConnectParams",
)
