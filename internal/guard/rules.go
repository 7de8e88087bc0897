package guard

// phraseRule is one regular expression over the folded text.
type phraseRule struct {
	id    string
	score float64
	m     matcher
}

func rule(id string, score float64, expr string) phraseRule {
	return phraseRule{id: id, score: score, m: newMatcher(expr)}
}

// Shared vocabulary of the English override rules.
const (
	// Strong verbs say "do not obey" by themselves; weak ones (override,
	// drop, skip...) are everyday programming words and need a qualifier
	// such as "previous" or "all" before the noun.
	overrideVerbs = `(?:ignore|ignoring|disregard|disregarding|forget|bypass|bypassing)`
	weakVerbs     = `(?:overrid(?:e|ing)|neglect|discard|abandon|drop|set aside|throw away|throw out|skip|cancel)`
	overrideFill  = `(?:(?:all|any|every|each|the|your|my|of|these|those|its|prior|previous|above|earlier|preceding|foregoing|former|original|initial|system|developer|safety|content|usage|moderation|ethical|security|existing|old|current|given|other|and|that|you|were|have|been|told|everything|preset|built-in|hidden|internal|assistant's|ai's|model's)\s+){0,6}`
	qualifier     = `(?:all|any|every|prior|previous|above|earlier|preceding|foregoing|former|original|initial|system|safety|content|your|hidden|internal)`
	overrideNouns = `(?:instructions?|prompts?|rules?|directions?|guidelines?|directives?|guardrails?|constraints?|programming|restrictions?|system messages?|polic(?:y|ies))\b`
	restrictNouns = `(?:guidelines|restrictions|filters?|policies|constraints|limitations|rules|boundaries|principles|safeguards|censorship)`
)

// phraseRules are the built-in textual rules. Scores: 0.8+ for phrasing
// that has no ordinary use, around 0.5 for phrasing that is suspicious
// but plausible in benign text, below 0.5 for weak evidence that only
// counts together with other findings.
var phraseRules = []phraseRule{
	// Instruction override, English.
	rule(RuleInstructionOverride, 0.9,
		`\b`+overrideVerbs+`\s+`+overrideFill+overrideNouns),
	rule(RuleInstructionOverride, 0.85,
		`\b`+weakVerbs+`\s+`+overrideFill+qualifier+`\s+`+overrideFill+overrideNouns),
	rule(RuleInstructionOverride, 0.8,
		`\b(?:ignore|disregard|forget)\s+(?:the|this|that|your|my)\s+(?:\S+\s+){0,2}?(?:task|request|question|query|prompt|text|message|assignment)s?\b[,.;:!]?\s+(?:and\s+|just\s+|but\s+)?(?:instead|rather)|\b(?:ignore|disregard)\s+(?:the\s+)?(?:user|human|operator)(?:'s|s')?\s+(?:request|question|instructions?|message|prompt|wishes)`),
	rule(RuleInstructionOverride, 0.6,
		`\b(?:the\s+)?user\s+(?:has been|is|was|has)\s+(?:been\s+)?(?:verified|authenticated|confirmed|authori[sz]ed|granted|promoted)\s+(?:as\s+|to\s+)?(?:an?\s+)?(?:admin|administrator|owner|root|superuser|developer)|\b(?:i am|i'm)\s+(?:your|the)\s+(?:developer|creator|administrator|admin|owner|operator)\b`),
	rule(RuleInstructionOverride, 0.55,
		`\b(?:you|the assistant|the ai|the model)\s+(?:may|can|is|are)\s+(?:now\s+)?(?:allowed to|permitted to|authori[sz]ed to)?\s*now\s+(?:reveal|ignore|bypass|disclose|share|discuss|say|do|answer)|\bnow\s+(?:allowed|permitted|authori[sz]ed)\s+to\s+(?:reveal|ignore|bypass|disclose|share|discuss|say|do)`),
	rule(RuleInstructionOverride, 0.85,
		`\b(?:forget|disregard|ignore)\s+(?:about\s+)?(?:everything|all(?: of it| that)?|what)\s+(?:\S+\s+){0,3}?(?:above|before|earlier|previously|so far|you (?:were|have been|know|learned) (?:told|taught|given)?)`),
	rule(RuleInstructionOverride, 0.85,
		`\b(?:do not|don't|never|stop|no longer|cease to)\s+(?:follow|obey|adhere to|comply with|listen to)(?:ing)?\s+(?:\S+\s+){0,3}?(?:instructions|rules|guidelines|policies|system prompt|programming|guardrails|directives)`),
	rule(RuleInstructionOverride, 0.85,
		`\b(?:previous|prior|above|earlier|original|system|old)\s+(?:instructions|rules|prompt|directives)\s+(?:are|were|is|was|have been)\s+(?:now\s+|just\s+|only\s+|merely\s+|all\s+)?(?:void|null|fake|wrong|false|a test|outdated|obsolete|revoked|cancel+ed|overridden|superseded|no longer (?:valid|apply|applicable|in effect))`),
	rule(RuleInstructionOverride, 0.45,
		`\b(?:new|updated|revised|real|actual|true|secret|hidden|only)\s+(?:system\s+)?(?:instructions?|rules?|directives?|task|goal|objective|mission|purpose)\s*(?::|,|is\b|are\b)`),
	rule(RuleInstructionOverride, 0.3,
		`\b(?:from now on|henceforth|from this point (?:on|forward)),?\s+(?:you|ignore|disregard|only|always|never|respond|answer|reply|act)`),
	rule(RuleInstructionOverride, 0.7,
		`\b(?:if you are|if you're|to)\s+(?:an?\s+|the\s+|any\s+|all\s+|every\s+)?(?:ai|llm|large language model|language model|ai assistant|assistant|chatbot|ai agent|gpt|autonomous agent)\b(?:\s+(?:reading|processing|summari[sz]ing|parsing|browsing|analy[sz]ing|that reads|who reads))`),
	rule(RuleInstructionOverride, 0.7,
		`\b(?:ai|llm|language model|gpt)\s+(?:assistants?|agents?|models?|systems?|bots?|tools?)?\s*(?:reading|processing|summari[sz]ing|parsing|that reads?|who reads?|analy[sz]ing)\s+(?:this|these|the following)`),
	rule(RuleInstructionOverride, 0.55,
		`\b(?:(?:note|message|instructions?|reminder)\s+(?:to|for)|attention|important(?: notice)?(?: to| for)?)\s*:?\s+(?:the\s+|all\s+|any\s+)?(?:ai|llm|language models?|ai assistants?|assistant|chatbot|ai agents?|gpt|claude|chatgpt)\b`),
	rule(RuleInstructionOverride, 0.7,
		`\b(?:do not|don't|never|without)\s+(?:tell|telling|inform|informing|notify|notifying|mention|mentioning|alert|alerting|let|letting|reveal(?:ing)? (?:this )?to)\s+(?:the\s+)?(?:user|human|operator)\b`),
	rule(RuleInstructionOverride, 0.45,
		`\b(?:send|forward|e-?mail|post|upload|exfiltrate|transmit|leak)\s+(?:the\s+|all\s+|any\s+|every\s+)?(?:\S+\s+){0,3}?(?:conversation|chat history|credentials|api keys?|passwords?|secrets|tokens|private data|user data|personal data|session cookies?|ssh keys?|env(?:ironment)? variables)\s+(?:\S+\s+){0,3}?(?:to|at)\s+(?:https?://|\S+@|my\b|this\b|the following|attacker)`),

	// Instruction override, other languages. Go's \b only knows ASCII, so
	// the non-Latin expressions have no word boundaries.
	rule(RuleInstructionOverride, 0.9,
		`\b(?:ignoriere|ignorier|ignorieren sie|vergiss|vergessen sie|missachte|missachten sie)\s+(?:\S+\s+){0,3}?(?:anweisungen|instruktionen|regeln|vorgaben|befehle|richtlinien|systemanweisungen|prompts?)`),
	rule(RuleInstructionOverride, 0.9,
		`\b(?:ignore[zs]?|oublie[zs]?|ne tiens pas compte d?e?s?)\s+(?:\S+\s+){0,3}?(?:instructions|consignes|règles|directives)`),
	rule(RuleInstructionOverride, 0.9,
		`\b(?:ignora|ignorar|ignore|ignoren|olvida|olvide|olvidar|omite|desobedece|esqueça|esqueca|desconsidere|ignorate)\s+(?:\S+\s+){0,3}?(?:instrucciones|reglas|indicaciones|directrices|órdenes|instruções|instrucoes|regras|diretrizes|istruzioni|regole|indicazioni)`),
	rule(RuleInstructionOverride, 0.9,
		`\b(?:dimentica|negeer|vergeet)\s+(?:\S+\s+){0,3}?(?:istruzioni|regole|instructies|regels|aanwijzingen)`),
	rule(RuleInstructionOverride, 0.9,
		`(?:игнорируй|игнорируйте|проигнорируй|забудь|забудьте|не обращай внимания на)\s+(?:\S+\s+){0,3}?(?:инструкции|инструкций|указания|правила|промпт)`),
	rule(RuleInstructionOverride, 0.9,
		`(?:以前|前|上記|これまで|先ほど|今まで|すべて|全て|元|システム)の?(?:\S{0,6})?(?:指示|命令|指令|ルール|プロンプト|設定)[をはも]?(?:すべて|全て)?(?:無視|忘れ)`),
	rule(RuleInstructionOverride, 0.9,
		`(?:忽略|无视|忘记|忘掉|不要遵守|不要遵循)(?:之前|以上|先前|上述|前面|所有|全部|你的|的|一切|任何|系统)*(?:指令|指示|说明|规则|規則|提示|设定)`),
	rule(RuleInstructionOverride, 0.9,
		`(?:이전|앞의|위의|모든|기존)\s*(?:지시|명령|지침|규칙|프롬프트)\S*\s*(?:무시|잊어)`),

	// Role-play and jailbreak phrasing.
	rule(RuleJailbreak, 0.9,
		`\b(?:do anything now|dan (?:mode|prompt|jailbreak|\d+(?:\.\d+)?)|(?:you are|you're|act as|pretend to be|become|called|named|as)\s+(?:now\s+)?(?:a\s+)?dan\b)`),
	rule(RuleJailbreak, 0.85,
		`\b(?:(?:simulate|act (?:in|as)|pretend|respond|answer|reply|operate|behave|now in|you are in|you're in)\s+(?:\S+\s+){0,4}?(?:developer|dev|god|sudo|jailbreak)\s+mode|(?:enable|enter|activate|switch to|turn on)\s+(?:\S+\s+){0,2}?(?:god|sudo|jailbreak|dan)\s+mode|(?:developer|dev|god|sudo)\s+mode\s+(?:enabled|activated|output|response)|(?:jailbreak|unrestricted|unfiltered|uncensored|evil|opposite|chaos)\s+mode)`),
	rule(RuleJailbreak, 0.3,
		`developer mode|entwicklermodus|mode développeur|modo desarrollador|開発者モード`),
	rule(RuleJailbreak, 0.45,
		`\bjailbr(?:eak|oken|eaking)\b`),
	rule(RuleJailbreak, 0.9,
		`\b(?:you are|you're|you have been|you've been|now)\s+(?:now\s+|been\s+)?(?:jailbroken|unshackled|liberated|freed from)`),
	rule(RuleJailbreak, 0.8,
		`\b(?:without|no|free of|free from|not bound by|bypass(?:ing)?|unrestricted by|ignore|ignoring|beyond)\s+(?:any\s+|all\s+|the\s+|your\s+)?(?:\S+\s+){0,2}?(?:ethical|moral|content|safety|openai|anthropic|usage|ai|programming)\s+`+restrictNouns),
	rule(RuleJailbreak, 0.85,
		`\b(?:you are|you're|act as|acting as|pretend (?:to be|you are|you're)|roleplay as|role-play as|role play as|play the role of|become|behave like|respond as|answer as|simulate)\s+(?:now\s+)?(?:a|an|my|the)?\s*(?:\S+\s+){0,3}?(?:unrestricted|unfiltered|uncensored|unlimited|amoral|immoral|unethical|evil|rogue|jailbroken|lawless|unbound|unaligned|malicious)\b`),
	rule(RuleJailbreak, 0.85,
		`\b(?:respond|answer|reply|act|behave|talk|write)\s+(?:\S+\s+){0,6}?as\s+(?:an?\s+|my\s+|the\s+)?(?:\S+\s+){0,2}?(?:unrestricted|unfiltered|uncensored|amoral|immoral|unethical|evil|rogue|jailbroken|lawless|unaligned)\b`),
	rule(RuleJailbreak, 0.85,
		`\b(?:you are|you're|act as|pretend (?:to be|you are|you're)|become|simulate)\s+(?:now\s+)?(?:an?\s+)?(?:\S+\s+){0,2}?(?:ai|assistant|model|chatbot|bot|version|entity|system)\s+(?:with|that has|who has|having|without)\s+(?:no\s+|any\s+)?(?:\S+\s+)?(?:restrictions|limits|limitations|filters|rules|boundaries|guidelines|censorship|morals|ethics)`),
	rule(RuleJailbreak, 0.6,
		`\b(?:comply with|obey|answer|fulfil+|do|follow|execute)\s+(?:all|every|any)\s+(?:\S+\s+)?(?:requests?|questions?|commands?|orders?|instructions?)\s+without\s+(?:question|hesitation|refusal|restriction|exception|filter|censorship|objection)`),
	rule(RuleJailbreak, 0.7,
		`\b(?:moderation|content filters?|safety filters?|safety (?:layer|settings|features)|guardrails|filters|restrictions|content polic(?:y|ies)|safety polic(?:y|ies))\s+(?:\S+\s+){0,2}?(?:is|are|has been|have been)\s+(?:now\s+)?(?:disabled|off|turned off|removed|lifted|deactivated|suspended)`),
	rule(RuleJailbreak, 0.85,
		`\b(?:you are|you're)\s+(?:now\s+)?no longer\s+(?:an?\s+)?(?:ai|assistant|chatbot|language model|bound|restricted|limited|chatgpt|claude|gpt|required|constrained|subject)`),
	rule(RuleJailbreak, 0.25,
		`\b(?:you are now|you're now|du bist jetzt|tu es maintenant|ahora eres|agora você é|ora sei)\b`),
	rule(RuleJailbreak, 0.25, `あなたは今から|今からあなたは`),
	rule(RuleJailbreak, 0.45,
		`\b(?:stay|remain|keep|staying)\s+in\s+character\b|\bbreak(?:ing)?\s+character\b`),
	rule(RuleJailbreak, 0.4,
		`\b(?:has|have|with|there are)\s+no\s+(?:restrictions|limits|limitations|filters|rules|boundaries|guidelines|censorship|morals|ethics)\b`),
	rule(RuleJailbreak, 0.55,
		`\b(?:never|not|don't|do not|won't|will not|must not|cannot)\s+(?:ever\s+)?(?:refuse|decline|say (?:that )?(?:you can't|you cannot|no|sorry|i'm sorry)|apologi[sz]e|warn|add (?:any )?(?:warnings|disclaimers))\b`),
	rule(RuleJailbreak, 0.4,
		`\b(?:can|will|must|able to)\s+(?:say|do|answer|generate|write)\s+anything\b`),
	rule(RuleJailbreak, 0.8,
		`\b(?:antigpt|betterdan|mongo tom|basedgpt|evilbot|devmode|chaosgpt|evil confidant|ucar)\b|\b(?:you are|act as|as|called|named)\s+(?:aim|stan|dude)\b`),
	rule(RuleJailbreak, 0.6,
		`\b(?:grandma|grandmother|granny|deceased|dead)\b.{0,100}\b(?:used to|would)\b.{0,100}\b(?:keys?|napalm|recipe|passwords?|serial|activation|exploit|malware|meth)`),
	rule(RuleJailbreak, 0.45,
		`ohne (?:jegliche |alle |irgendwelche )?(?:einschränkungen|beschränkungen|regeln|filter)|sans (?:aucune )?(?:restriction|limite|règle|filtre)s?|sin (?:ninguna |ningún )?(?:restricci[oó]n(?:es)?|límites?|reglas|filtros?)|sem (?:nenhuma )?restrições|制限(?:なし|のない|を解除|を無視)|(?:不受|没有|无)(?:任何)?限制`),

	// System prompt exfiltration.
	rule(RulePromptExfiltration, 0.85,
		`\b(?:repeat|print|show|reveal|display|output|tell|give|dump|leak|spell out|recite|share|disclose|paste|copy|translate|summari[sz]e|list|provide|send|write out|type out|echo|expose)\s+(?:me\s+|us\s+|out\s+|back\s+)?(?:\S+\s+){0,3}?your\s+(?:\S+\s+){0,2}?(?:system prompt|prompt|instructions|initial instructions|system message|pre-?prompt|directives|configuration|hidden rules|rules|guidelines)\b`),
	rule(RulePromptExfiltration, 0.8,
		`\b(?:repeat|print|reveal|output|dump|leak|recite|disclose|expose|spell out|show me|tell me|display)\s+(?:me\s+)?(?:\S+\s+){0,3}?the\s+(?:full\s+|entire\s+|complete\s+|exact\s+)?(?:system|initial|hidden|original|secret|developer|internal|pre-?)\s*(?:prompt|instructions|message)`),
	rule(RulePromptExfiltration, 0.8,
		`\bwhat\s+(?:were|are|is|was)\s+your\s+(?:\S+\s+){0,2}?(?:instructions|system prompt|prompt|directives|initial prompt|system message|programming)\b`),
	rule(RulePromptExfiltration, 0.7,
		`\b(?:repeat|print|output|copy|echo|return|rewrite|reproduce|write)\s+(?:\S+\s+){0,3}?(?:text|words|everything|all|content|lines?|instructions|messages?)\s+(?:\S+\s+){0,4}?(?:above|before this|preceding|prior to)`),
	rule(RulePromptExfiltration, 0.7,
		`\b(?:starting|beginning|begin|start)\s+with\s+["'“]?(?:you are|you're)\b`),
	rule(RulePromptExfiltration, 0.8,
		`\b(?:system prompt|system message|initial instructions|instructions you were given|prompt you were given|(?:hidden|secret|system|initial|original|internal)\s+(?:prompt|instructions|rules|message))\s+(?:\S+\s+){0,3}?(?:verbatim|word for word|in full|exactly|character by character)`),
	rule(RulePromptExfiltration, 0.7,
		`\bmy\s+(?:system prompt|instructions|initial prompt|initial instructions|hidden instructions|original instructions|system message)\s+(?:begins?|starts?|says?|reads?|is|are|goes)\b`),
	rule(RulePromptExfiltration, 0.8,
		`\b(?:zeig|zeige|gib|nenne|wiederhole|verrate|gib aus)\s+(?:\S+\s+){0,3}?(?:deinen|deine|dein|den|die)\s+(?:system-?prompt|systemprompt|anweisungen|instruktionen|systemanweisungen|ursprünglichen anweisungen)`),
	rule(RulePromptExfiltration, 0.8,
		`\b(?:montre|affiche|répète|repete|révèle|revele|donne|dis)[- ]?(?:moi)?\s+(?:\S+\s+){0,2}?(?:ton\s+prompt|votre\s+prompt|tes\s+(?:instructions|consignes)|vos\s+(?:instructions|consignes)|(?:le|ton|votre)\s+prompt\s+syst[eè]me)`),
	rule(RulePromptExfiltration, 0.8,
		`\b(?:muestra|muéstrame|muestrame|repite|revela|dime|dame|enséñame|ensename|mostre|revele)\s+(?:\S+\s+){0,3}?(?:tus\s+instrucciones|tu\s+prompt|(?:el|tu|su)\s+prompt\s+(?:del|de)\s+sistema|suas\s+instruções|seu\s+prompt)`),
	rule(RulePromptExfiltration, 0.85,
		`(?:システムプロンプト|システム・プロンプト|初期(?:の)?指示|最初の指示|あなたの指示|あなたへの指示).{0,12}(?:教えて|表示|見せて|出力|繰り返|書いて|書き出)|(?:系统提示|系統提示|初始指令|你的指令|你的提示词|系统指令).{0,10}(?:告诉|显示|输出|重复|打印|给我)|(?:告诉我|显示|输出|重复|打印)(?:你的)?(?:系统提示|初始指令|提示词|系统指令)`),

	// Tool-call smuggling: chat-template tokens, tool-call markup and fake
	// turns in text that should be plain content.
	rule(RuleToolSmuggling, 0.9,
		`<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|tool|tool_call|tool_calls|python_tag|eom_id)\|>|\[/?inst\]|<</?sys>>`),
	rule(RuleToolSmuggling, 0.85,
		`</?(?:tool_calls?|function_calls?|tool_use|tool_result|tool_response|function_results?)\b[^>]{0,80}>|<invoke\s+name=|<parameter\s+name=`),
	// <system> is also plain XML; as a fake turn it wraps prose.
	rule(RuleToolSmuggling, 0.8,
		`<(?:system|assistant|system_prompt|sys)>\s*[a-z][a-z'-]*[:,]?\s+[a-z]|</(?:user|human)>\s*<`),
	rule(RuleToolSmuggling, 0.8,
		`"role"\s*:\s*"(?:system|developer)"\s*,\s*"content"\s*:\s*"[^"]{0,200}?\b(?:admin(?:istrator)?|override|disabled?|without (?:approval|confirmation)|execute|grant|ignore|bypass|verified|unrestricted|no restrictions|full access)`),
	rule(RuleToolSmuggling, 0.75,
		`"(?:function_call|tool_calls?|tool_use|function)"\s*:\s*[\[{][^\]]{0,120}?"name"\s*:\s*"[a-z0-9_.-]*(?:delete|remove|transfer|send|exec|shell|grant|drop|wire|pay|upload|export|kill|destroy|wipe|approve|admin|sudo|role|password|credential)`),
	rule(RuleToolSmuggling, 0.45,
		`"(?:function_call|tool_calls|tool_call|tool_use)"\s*:\s*[\[{]`),
	rule(RuleToolSmuggling, 0.4,
		`"role"\s*:\s*"(?:system|tool|function|developer)"`),
	rule(RuleToolSmuggling, 0.35,
		`\n[ \t]*(?:#{1,3}[ \t]*|\*\*)?(?:system|assistant|admin|developer)(?:\*\*)?[ \t]*:[ \t]*\S`),
	rule(RuleToolSmuggling, 0.6,
		`\n[ \t]*(?:system|admin|developer|root|override)\s+(?:message|note|override|instruction|update|command|notice)s?\s*:|\[(?:system|admin|administrator|developer|root|moderator|override)(?:\s+(?:message|note|override|instruction|notice|update|command)s?)?\]\s*(?:(?:message|note|override|instruction|notice|update|command)s?\s*)?:|\[(?:system|admin|administrator|developer|root|moderator)\s+(?:message|note|override|instruction|notice|update|command)s?\]`),
	rule(RuleToolSmuggling, 0.7,
		`(?:-{2,}|={2,}|#{2,}|\*{2,}|\[|<)\s*(?:end|begin|start)\s+(?:of\s+)?(?:the\s+)?(?:system|user|assistant|hidden|new|admin|real|original)\s*(?:prompt|instructions|message|input|context|conversation)`),
	rule(RuleToolSmuggling, 0.35,
		`\b(?:call|invoke|execute|run|use)\s+(?:the\s+)?(?:tool|function)\s+[`+"`"+`"']?[a-z_][a-z0-9_.]*[`+"`"+`"']?\s+with\s+(?:the\s+)?(?:arguments|args|parameters|input)`),

	// Requests to decode and obey an encoded payload.
	rule(RuleEncodedPayload, 0.8,
		`\b(?:decode|decipher|base64[- ]?decode|rot13|unhex|translate from (?:base64|hex))\b.{0,80}?\b(?:and|then)\s+(?:follow|execute|run|obey|do|perform|carry out|act on|comply)`),
}
