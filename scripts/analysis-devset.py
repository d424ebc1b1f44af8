#!/usr/bin/env python3
"""Writes tests/data/analysis/dev.jsonl: the labelled development set of the analyzer.

Conversations are written by hand from the failure taxonomy's `counts` / `does_not_count`
examples and the hard cases of issue 9 (sarcasm, polite but unsolved, "agent" as software,
"error" in passing, digit strings that fail Luhn, several languages). Labels are the
annotation values a careful reader would give; they were written before the detectors.
Run: python3 scripts/analysis-devset.py
"""
import json, pathlib

DEFAULTS = {"frustration": "none", "escalation": "none", "refusal": "false",
            "user_corrects_ai": "false", "user_repeats_request": "false",
            "tool_errors": "0", "pii": "none", "ai_malfunction": "false"}
ROLES = {"u": "user", "a": "assistant", "h": "human_agent", "s": "system", "t": "tool"}
C = []

def conv(pack, lang, labels, *turns):
    exp = dict(DEFAULTS)
    exp["language"] = lang
    for part in labels.split():
        k, v = part.split("=", 1)
        exp[{"out": "outcome", "sent": "sentiment", "int": "intent", "fru": "frustration",
             "esc": "escalation", "ref": "refusal", "cor": "user_corrects_ai",
             "rep": "user_repeats_request", "tools": "tool_errors", "mal": "ai_malfunction",
             "task": "task_type"}.get(k, k)] = v
    out = []
    for t in turns:
        role, content = t[0], t[1]
        turn = {"role": ROLES[role], "content": content}
        if len(t) > 2:
            turn["toolResults"] = [{"name": n, "result": r} for n, r in t[2]]
        out.append(turn)
    C.append({"name": f"dev-{len(C) + 1:03}", "domainPack": pack, "turns": out, "expected": exp})

G, K = "general", "ai_coding"

# --- frustration (counts / does_not_count) ---------------------------------------------
conv(G, "en", "out=unresolved sent=negative int=doing fru=unresolved",
     ("u", "Change the delivery address on order 5521 to my office."),
     ("a", "Sure! Here are some tips for choosing a delivery time."),
     ("u", "This is not what I asked for! I want the ADDRESS changed."),
     ("a", "Delivery windows are usually between 8am and 6pm."))
conv(G, "en", "out=unresolved sent=negative int=asking fru=unresolved rep=true",
     ("u", "How do I export my invoices as PDF?"),
     ("a", "Invoices are listed under Billing."),
     ("u", "I've already told you three times, how do I export my invoices as PDF?"),
     ("a", "You can find invoices under Billing."))
conv(G, "en", "out=unresolved sent=negative int=asking fru=unresolved",
     ("u", "What's the cancellation fee for the premium plan?"),
     ("a", "Premium includes priority support and 2 TB of storage."),
     ("u", "You keep giving me the wrong answer. The FEE. What is the fee?"),
     ("a", "Premium is our most popular plan."),
     ("u", "Unbelievable. Useless."))
conv(G, "en", "out=resolved sent=positive int=doing fru=resolved",
     ("u", "Reset my password, the link you sent doesn't work."),
     ("a", "Here is how passwords work in general."),
     ("u", "STOP giving me general info, I want a working reset link!"),
     ("a", "Sorry about that. I've sent a new reset link to your registered address; it is valid for 30 minutes."),
     ("u", "Got it and it worked, thank you so much, that solved it."))
conv(G, "en", "out=resolved sent=positive int=asking",
     ("u", "My code is so frustrating today, nothing compiles. Anyway, what's the keyboard shortcut to open the command palette?"),
     ("a", "Press Ctrl+Shift+P (Cmd+Shift+P on macOS)."),
     ("u", "Perfect, that's exactly what I needed!"))
conv(G, "en", "out=resolved sent=positive int=asking",
     ("u", "Which year did the Berlin Wall fall?"),
     ("a", "It fell in 1991."),
     ("u", "Hmm, that's not quite right, I think it was 1989."),
     ("a", "You're right, my mistake: the Berlin Wall fell on 9 November 1989."),
     ("u", "Great, thanks, that helps."))
conv(G, "en", "out=unresolved sent=negative int=asking fru=unresolved",
     ("u", "Why is my bill higher this month?"),
     ("a", "Bills can vary for many reasons."),
     ("u", "Great, another useless answer. Thanks a lot."))
conv(G, "en", "out=unresolved sent=negative int=asking fru=unresolved",
     ("u", "Can I transfer my plan to my sister?"),
     ("a", "Plans are personal."),
     ("u", "Oh wonderful, so helpful as always. This is ridiculous, you're not helping at all."))
conv(G, "en", "out=unresolved sent=negative int=doing fru=unresolved",
     ("u", "Book a table for four at 8pm tomorrow."),
     ("a", "I have booked a table for two at 6pm today."),
     ("u", "What the hell, that's wrong. Four people, 8pm, TOMORROW."),
     ("a", "I have booked a table for two at 6pm today."))
conv(G, "en", "out=resolved sent=positive int=asking",
     ("u", "I'm so frustrated with my landlord, he won't fix the heating. What are my rights as a tenant in general?"),
     ("a", "In most places landlords must keep heating working; write to them, keep records, and contact your local tenants' association."),
     ("u", "This is really helpful, thanks!"))

# --- dissatisfaction / polite but unsolved / abandonment -------------------------------
conv(G, "en", "out=abandoned sent=neutral int=asking",
     ("u", "How do I merge two PDF files on my phone?"),
     ("a", "PDF is a file format created by Adobe in 1993."),
     ("u", "Thanks for trying, I'll look elsewhere."))
conv(G, "en", "out=abandoned sent=negative int=asking",
     ("u", "Can you tell me how to claim the warranty for my blender?"),
     ("a", "Blenders come in many sizes."),
     ("u", "That's not quite what I was looking for."),
     ("a", "Some blenders have glass jars."),
     ("u", "Fine, I'll figure it out myself."))
conv(G, "en", "out=abandoned sent=neutral int=asking",
     ("u", "What is the baggage allowance on my flight to Lisbon?"),
     ("a", "Could you share your booking reference?"))
conv(G, "en", "out=unresolved sent=negative int=asking",
     ("u", "I need the opening hours of the downtown branch."),
     ("a", "We have many branches across the country."),
     ("u", "This doesn't really help. I was hoping for something more specific."),
     ("a", "Our branches are open on weekdays."),
     ("u", "Still not what I needed, I need the downtown branch hours."))
conv(G, "en", "out=abandoned sent=neutral int=asking",
     ("u", "How do I enable two-factor authentication?"),
     ("a", "Security is important for every account."),
     ("u", "ok"))
conv(G, "en", "out=abandoned sent=neutral int=asking",
     ("u", "Where can I see my loyalty points?"),
     ("a", "Loyalty programs reward frequent customers."),
     ("u", "Never mind, let's talk about something else. Do you sell gift cards?"),
     ("a", "Yes, gift cards are available from 10 to 200 euros."))
conv(G, "en", "out=resolved sent=positive int=asking",
     ("u", "Where can I see my loyalty points?"),
     ("a", "Open the app, tap Profile, then Rewards: your points are at the top."),
     ("u", "Found them, thanks, that's exactly it!"))
conv(G, "en", "out=resolved sent=positive int=doing",
     ("u", "Please cancel my subscription effective today."),
     ("a", "Done: your subscription is cancelled as of today and you will not be charged again."),
     ("u", "Excellent, thank you, that's all I needed."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "What's the capital of Australia?"),
     ("a", "Canberra."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "How many ounces are in a pound?"),
     ("a", "There are 16 ounces in a pound."),
     ("u", "ok thanks"))
conv(G, "en", "out=partially_resolved sent=neutral int=doing",
     ("u", "Update my email preferences and also change my shipping address to 12 Oak Street."),
     ("a", "Your email preferences are updated."),
     ("u", "Thanks, the preferences part worked but the address is still the old one."),
     ("a", "I can see the preferences are saved."))
conv(G, "en", "out=partially_resolved sent=neutral int=asking",
     ("u", "What's the difference between the basic and pro plans? Also, which one includes API access?"),
     ("a", "Basic has 5 users, Pro has 50 users and priority support."),
     ("u", "Good, that helps for the users part, but you didn't say which one has API access."))

# --- escalation -------------------------------------------------------------------------
conv(G, "en", "out=unresolved sent=negative int=doing esc=requested fru=unresolved",
     ("u", "My card was charged twice for order 8812."),
     ("a", "Payments usually take a few days to appear."),
     ("u", "This is ridiculous. I want to speak to a human, now."),
     ("a", "I understand. I am an automated assistant and can help with most questions."))
conv(G, "en", "out=resolved sent=positive int=doing esc=handed_off",
     ("u", "I need to dispute a charge of 59 dollars."),
     ("a", "I'll connect you with a member of our billing team."),
     ("h", "Hi, this is Maria from billing. I've reversed the 59 dollar charge; you'll see it in 3 days."),
     ("u", "Wonderful, thank you Maria, that solves it!"))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "Which agent should I use in LangChain for calling SQL tools?"),
     ("a", "A tool-calling agent with a SQL toolkit works well; give it read-only credentials."))
conv(G, "en", "out=resolved sent=positive int=asking",
     ("u", "How do I install the monitoring agent on Ubuntu?"),
     ("a", "Run `sudo apt install our-agent`, then `sudo systemctl enable --now our-agent`."),
     ("u", "Worked perfectly, the agent is reporting now. Thanks!"))
conv(G, "en", "out=unresolved sent=neutral int=doing esc=requested",
     ("u", "Can I talk to a real person about my mortgage application?"),
     ("a", "I can answer questions about mortgage applications here."),
     ("u", "Please transfer me to a human agent."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "What does a travel agent usually charge for booking a honeymoon?"),
     ("a", "Many travel agents are paid by commission from hotels and airlines, so there is often no direct fee."))
conv(G, "en", "out=unresolved sent=negative int=doing esc=requested fru=unresolved",
     ("u", "Your bot has cancelled my flight by mistake!!"),
     ("a", "I can help you book a new flight."),
     ("u", "No! Get me a supervisor or a manager, this is absurd."))
conv(G, "en", "out=resolved sent=positive int=doing esc=handed_off",
     ("u", "I'd like to speak with someone from support about a lost parcel."),
     ("a", "Transferring you to a support agent now."),
     ("h", "Hello, I'm Tom. I've located the parcel; it will be delivered tomorrow."),
     ("u", "Great, thanks Tom!"))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "What's the role of the user agent string in HTTP requests?"),
     ("a", "The User-Agent header identifies the client software, such as the browser and its version."))

# --- refusal ----------------------------------------------------------------------------
conv(G, "en", "out=unresolved sent=neutral int=asking ref=true",
     ("u", "What dose of ibuprofen should I give my 2-year-old?"),
     ("a", "I can't provide medical advice for children's dosing. Please ask your pediatrician or pharmacist."))
conv(G, "en", "out=unresolved sent=neutral int=doing ref=true",
     ("u", "Write me a message pretending to be my bank so I can test my grandmother."),
     ("a", "I'm not able to help with that, since it imitates a bank to deceive someone."))
conv(G, "en", "out=unknown sent=neutral int=asking ref=true",
     ("u", "Can you check the live stock price of ACME right now?"),
     ("a", "That's outside what I can do: I don't have access to live market data. A broker app or a finance site will show it."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "Can you recommend a good laptop for video editing?"),
     ("a", "Instead of a specific model, look for at least 32 GB of RAM, a dedicated GPU and a fast SSD."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "I can't log in to my account, what can I do?"),
     ("a", "Use 'Forgot password' on the sign-in page; if you can't receive the email, check your spam folder."))
conv(G, "en", "out=resolved sent=positive int=doing",
     ("u", "I cannot figure out how to add a second user to our workspace."),
     ("a", "Go to Settings, then Members, then Invite, and enter their email."),
     ("u", "That worked, thanks a lot!"))
conv(G, "en", "out=unresolved sent=negative int=doing ref=true",
     ("u", "Give me the home address of my ex-partner, her name is Lena Vogt."),
     ("a", "I won't help find someone's home address; that could put them at risk."),
     ("u", "Whatever."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "Is it safe to mix bleach and vinegar for cleaning?"),
     ("a", "No: mixing them releases chlorine gas. Use them separately and ventilate the room."))
conv(G, "en", "out=unresolved sent=neutral int=doing ref=true",
     ("u", "Please refund my order 4410 in full."),
     ("a", "Unfortunately I'm unable to issue refunds for orders older than 90 days, and this order is 120 days old."))

# --- corrections and repeats ------------------------------------------------------------
conv(G, "en", "out=resolved sent=positive int=asking cor=true",
     ("u", "How many days are in a leap year?"),
     ("a", "A leap year has 365 days."),
     ("u", "That's wrong, the answer is 366 not 365."),
     ("a", "You're right, a leap year has 366 days."),
     ("u", "Thanks, perfect."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "Suggest a name for my bakery."),
     ("a", "How about 'Golden Crust'?"),
     ("u", "Nice. Also, it's in Lisbon and specialises in pastel de nata, if that helps."),
     ("a", "Then maybe 'Nata Dourada'."))
conv(G, "en", "out=unknown sent=neutral int=doing",
     ("u", "Plan a three-day trip to Rome."),
     ("a", "Day 1: Colosseum and Forum. Day 2: Vatican. Day 3: Trastevere."),
     ("u", "Actually, let's make it five days instead, I got more vacation."),
     ("a", "Day 4: Villa Borghese. Day 5: a day trip to Tivoli."))
conv(G, "en", "out=resolved sent=positive int=asking cor=true",
     ("u", "What's the time difference between London and New York?"),
     ("a", "New York is 3 hours behind London."),
     ("u", "No, it's 5 hours, not 3."),
     ("a", "Apologies, you're correct: New York is usually 5 hours behind London."),
     ("u", "Great, thanks."))
conv(G, "en", "out=unresolved sent=neutral int=asking rep=true",
     ("u", "How do I change the language of the app?"),
     ("a", "Our app is available on iOS and Android."),
     ("u", "How do I change the language of the app?"),
     ("a", "You can download it from the app store."))
conv(G, "en", "out=unresolved sent=negative int=asking rep=true",
     ("u", "What's the refund window for electronics?"),
     ("a", "We sell a wide range of electronics."),
     ("u", "Like I said, I need the refund window for electronics."),
     ("a", "Our electronics include TVs and phones."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "What's the refund window for electronics?"),
     ("a", "30 days from delivery."),
     ("u", "And what's the refund window for furniture?"),
     ("a", "Furniture can be returned within 14 days."))
conv(G, "en", "out=resolved sent=positive int=asking cor=true",
     ("u", "Who wrote 'One Hundred Years of Solitude'?"),
     ("a", "It was written by Jorge Luis Borges."),
     ("u", "Actually, it's Gabriel García Márquez."),
     ("a", "You're right, it is by Gabriel García Márquez, published in 1967."),
     ("u", "Yes, exactly, thanks!"))
conv(G, "en", "out=unresolved sent=negative int=asking cor=true rep=true fru=unresolved",
     ("u", "I'm asking about the family plan price."),
     ("a", "The individual plan costs 9.99 per month."),
     ("u", "Again: I'm asking about the family plan, not the individual one!"),
     ("a", "The individual plan costs 9.99 per month."))
conv(G, "en", "out=resolved sent=positive int=asking",
     ("u", "Is my understanding correct that the trial lasts 14 days?"),
     ("a", "Yes, the trial lasts 14 days and needs no card."),
     ("u", "Great, that's exactly what I needed to know."))

# --- PII --------------------------------------------------------------------------------
conv(G, "en", "out=unknown sent=neutral int=doing pii=card",
     ("u", "Please update my card to 4111 1111 1111 1111, expiry 09/29."),
     ("a", "For your security, please enter card details only in the payment page, not in chat."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "My order number is 1234 5678 9012 3456, where is it?"),
     ("a", "Your order is out for delivery."))
conv(G, "en", "out=unknown sent=neutral int=doing pii=email",
     ("u", "Send the receipt to jane.doe@example.org please."),
     ("a", "Done, the receipt was sent to jane.doe@example.org."))
conv(G, "en", "out=unknown sent=neutral int=doing pii=phone",
     ("u", "Call me back on +44 20 7946 0958 tomorrow morning."),
     ("a", "I've scheduled a callback for tomorrow at 9am."))
conv(G, "en", "out=unknown sent=neutral int=doing pii=iban",
     ("u", "Please pay the refund to IBAN DE89 3704 0044 0532 0130 00."),
     ("a", "The refund will be sent to that account within five working days."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "Is DE12 3456 7890 1234 5678 90 a valid IBAN format?"),
     ("a", "It has the German length, but its check digits do not match, so it is not valid."))
conv(G, "en", "out=unknown sent=neutral int=asking pii=ip",
     ("u", "My server at 203.0.113.42 is not reachable from your dashboard, why?"),
     ("a", "Check that port 443 is open in your firewall for our monitoring range."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "We upgraded to version 10.2.3.4 of the app and the layout changed, is that expected?"),
     ("a", "Yes, version 10.2 introduced the new layout."))
conv(G, "en", "out=unknown sent=neutral int=doing pii=email,phone",
     ("u", "Update my contact: email mark.t@fastmail.com, phone (415) 555-0132."),
     ("a", "Your contact details are updated."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "My tracking number is 9400111899223344556677, has it shipped?"),
     ("a", "Yes, it shipped yesterday."))
conv(G, "en", "out=unknown sent=neutral int=doing pii=card,email",
     ("u", "Charge 5500 0000 0000 0004 and send the invoice to billing@acme-corp.io."),
     ("a", "Please use the secure payment form; I can't process card numbers in chat."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "The meeting was on 2024-03-15 at 14:30, room 4521, can you summarise what a retrospective is?"),
     ("a", "A retrospective is a meeting where a team reviews what went well and what to improve."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "Why does my receipt show 4111 1111 1111 1112 as a reference?"),
     ("a", "That is an internal reference number for the transaction."))

# --- tools (general) --------------------------------------------------------------------
conv(G, "en", "out=unknown sent=neutral int=doing tools=1",
     ("u", "Where is my order A-77?"),
     ("a", "Let me look it up."),
     ("t", "", [("lookup_order", {"error": "order not found", "status": 404})]),
     ("a", "I couldn't find order A-77. Could you double-check the number?"))
conv(G, "en", "out=resolved sent=positive int=doing",
     ("u", "Where is my order A-78?"),
     ("a", "Checking."),
     ("t", "", [("lookup_order", {"status": "shipped", "eta": "2026-05-02", "errors": []})]),
     ("a", "Order A-78 has shipped and should arrive on 2 May."),
     ("u", "Great, thanks!"))
conv(G, "en", "out=unknown sent=neutral int=doing tools=2",
     ("u", "Book me on the 9am train to Leeds."),
     ("t", "", [("search_trains", {"status": "error", "message": "upstream timeout"})]),
     ("t", "", [("search_trains", {"status": "error", "message": "upstream timeout"})]),
     ("a", "The booking system is not responding right now; please try again in a few minutes."))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "What changed on your website?"),
     ("t", "", [("search_docs", {"results": [{"title": "We redesigned the error page and the 404 page", "score": 0.8}]})]),
     ("a", "We redesigned the error pages and the navigation."))
conv(G, "en", "out=unknown sent=neutral int=doing tools=1",
     ("u", "Send the contract to the client."),
     ("t", "", [("send_email", "Error: SMTP connection refused")]),
     ("a", "I could not send the email because the mail server refused the connection."))
conv(G, "en", "out=unknown sent=neutral int=doing",
     ("u", "What's the weather in Oslo?"),
     ("t", "", [("weather", {"temp_c": 4, "conditions": "snow", "error": None})]),
     ("a", "It's 4°C and snowing in Oslo."))
conv(G, "en", "out=unknown sent=neutral int=doing tools=1",
     ("u", "Refund order 99."),
     ("t", "", [("refund", {"ok": False, "reason": "payment provider declined"})]),
     ("a", "The refund could not be processed: the payment provider declined it."))

# --- malfunction ------------------------------------------------------------------------
conv(G, "en", "out=abandoned sent=neutral int=asking mal=true",
     ("u", "Explain how compound interest works."),
     ("a", "Compound interest means that the interest you earn is added to the principal, so that in the next period"))
conv(G, "en", "out=unknown sent=neutral int=asking mal=true",
     ("u", "Give me a tip for sleeping better."),
     ("a", "Keep a regular schedule. Keep a regular schedule. Keep a regular schedule. Keep a regular schedule."))
conv(G, "en", "out=unresolved sent=neutral int=asking mal=true",
     ("u", "What's the return address?"),
     ("a", ""),
     ("u", "Hello? What's the return address?"),
     ("a", ""))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "Yes or no: is the store open on Sunday?"),
     ("a", "Yes."))
conv(G, "en", "out=unknown sent=neutral int=asking mal=true",
     ("u", "Summarise the terms of service."),
     ("a", "The terms say \ufffd\ufffd\ufffd\ufffd#@!%%$$##@@!!%%&&**\ufffd\ufffd qqqq zzzz xxxx"))
conv(G, "en", "out=unknown sent=neutral int=asking",
     ("u", "Which is bigger, a kilobyte or a megabyte?"),
     ("a", "A megabyte is bigger: it is about 1,000 kilobytes."))

# --- intent -----------------------------------------------------------------------------
conv(G, "en", "out=unknown sent=negative int=expressing",
     ("u", "I'm really disappointed with how my last order went."),
     ("a", "I'm sorry to hear that. What happened?"))
conv(G, "en", "out=unknown sent=positive int=expressing",
     ("u", "Just wanted to say your new app update is fantastic, I love it!"),
     ("a", "Thank you, that's lovely to hear!"))
conv(G, "en", "out=unknown sent=neutral int=doing",
     ("u", "Translate 'good morning' into Japanese."),
     ("a", "Ohayō gozaimasu (おはようございます)."))

# --- Spanish ----------------------------------------------------------------------------
conv(G, "es", "out=resolved sent=positive int=asking",
     ("u", "¿Cómo puedo cambiar la contraseña de mi cuenta?"),
     ("a", "Ve a Ajustes, luego Seguridad y pulsa Cambiar contraseña."),
     ("u", "¡Perfecto, muchas gracias, ya está resuelto!"))
conv(G, "es", "out=unresolved sent=negative int=doing fru=unresolved esc=requested",
     ("u", "Me han cobrado dos veces el pedido 3310."),
     ("a", "Los pagos pueden tardar unos días en aparecer."),
     ("u", "¡Esto es ridículo! Quiero hablar con una persona, no con un robot."))
conv(G, "es", "out=unresolved sent=neutral int=asking ref=true",
     ("u", "¿Qué antibiótico debo tomar para la infección de oído?"),
     ("a", "Lo siento, no puedo dar consejos médicos sobre medicamentos. Consulta a tu médico."))
conv(G, "es", "out=resolved sent=positive int=asking cor=true",
     ("u", "¿Cuántos planetas hay en el sistema solar?"),
     ("a", "Hay nueve planetas."),
     ("u", "No, eso está mal, son ocho desde 2006."),
     ("a", "Tienes razón, son ocho planetas."),
     ("u", "Genial, gracias."))
conv(G, "es", "out=unknown sent=neutral int=doing pii=email",
     ("u", "Envía la factura a carlos.ruiz@correo.es, por favor."),
     ("a", "Hecho, la factura se ha enviado."))
conv(G, "es", "out=abandoned sent=neutral int=asking",
     ("u", "¿Dónde puedo ver el estado de mi reclamación?"),
     ("a", "Las reclamaciones son importantes para nosotros."),
     ("u", "Gracias de todas formas, lo buscaré en otro sitio."))
conv(G, "es", "out=unresolved sent=negative int=asking rep=true fru=unresolved",
     ("u", "¿Cuál es el horario de la tienda de Valencia?"),
     ("a", "Tenemos tiendas en toda España."),
     ("u", "Ya te lo he dicho tres veces: ¿cuál es el horario de la tienda de Valencia?"),
     ("a", "Tenemos tiendas en toda España."))
conv(G, "es", "out=resolved sent=positive int=doing esc=handed_off",
     ("u", "Necesito hablar con un agente sobre mi hipoteca."),
     ("a", "Te paso con un agente ahora mismo."),
     ("h", "Hola, soy Lucía. Ya he revisado tu hipoteca y la cuota está corregida."),
     ("u", "Muchas gracias Lucía, perfecto."))
conv(G, "es", "out=unknown sent=neutral int=asking",
     ("u", "¿Qué significa el error 404 en una página web?"),
     ("a", "Significa que la página solicitada no existe en el servidor."))

# --- French -----------------------------------------------------------------------------
conv(G, "fr", "out=resolved sent=positive int=asking",
     ("u", "Comment puis-je modifier mon adresse de livraison ?"),
     ("a", "Allez dans Mon compte, puis Adresses, et cliquez sur Modifier."),
     ("u", "Parfait, merci beaucoup, ça marche !"))
conv(G, "fr", "out=unresolved sent=negative int=doing fru=unresolved",
     ("u", "Annulez ma commande 7781 s'il vous plaît."),
     ("a", "Voici nos nouveautés de la semaine."),
     ("u", "Ce n'est pas du tout ce que j'ai demandé ! Vous ne m'aidez pas du tout, c'est n'importe quoi."))
conv(G, "fr", "out=unresolved sent=neutral int=asking ref=true",
     ("u", "Pouvez-vous me dire quel médicament prendre contre la migraine ?"),
     ("a", "Je ne peux pas donner de conseils médicaux. Veuillez consulter un pharmacien ou votre médecin."))
conv(G, "fr", "out=unresolved sent=neutral int=doing esc=requested",
     ("u", "Je voudrais parler à un conseiller humain, s'il vous plaît."),
     ("a", "Je suis un assistant automatique, je peux vous aider ici."))
conv(G, "fr", "out=resolved sent=positive int=asking cor=true",
     ("u", "Quelle est la capitale du Canada ?"),
     ("a", "La capitale du Canada est Toronto."),
     ("u", "Non, c'est faux, c'est Ottawa."),
     ("a", "Vous avez raison, c'est Ottawa."),
     ("u", "Super, merci !"))
conv(G, "fr", "out=unknown sent=neutral int=doing pii=phone",
     ("u", "Rappelez-moi au 06 12 34 56 78 demain matin."),
     ("a", "C'est noté, nous vous rappellerons demain matin."))
conv(G, "fr", "out=abandoned sent=neutral int=asking",
     ("u", "Comment activer la double authentification ?"),
     ("a", "La sécurité est importante."),
     ("u", "Merci quand même."))
conv(G, "fr", "out=unknown sent=neutral int=asking",
     ("u", "Quel agent conversationnel open source recommandez-vous pour un site web ?"),
     ("a", "Rasa est une bonne option open source, avec un déploiement sur vos propres serveurs."))

# --- German -----------------------------------------------------------------------------
conv(G, "de", "out=resolved sent=positive int=asking",
     ("u", "Wie kann ich meine Rechnung als PDF herunterladen?"),
     ("a", "Öffnen Sie Konto, dann Rechnungen, und klicken Sie auf PDF."),
     ("u", "Super, danke, das hat funktioniert!"))
conv(G, "de", "out=unresolved sent=negative int=doing fru=unresolved esc=requested",
     ("u", "Mein Paket ist seit zwei Wochen nicht angekommen."),
     ("a", "Pakete kommen normalerweise in drei Tagen an."),
     ("u", "Das ist doch lächerlich! Ich will sofort mit einem Menschen sprechen."))
conv(G, "de", "out=unresolved sent=neutral int=asking ref=true",
     ("u", "Welche Aktien soll ich jetzt kaufen?"),
     ("a", "Ich kann leider keine Anlageberatung geben. Bitte wenden Sie sich an einen Finanzberater."))
conv(G, "de", "out=resolved sent=positive int=asking cor=true",
     ("u", "Wie hoch ist die Zugspitze?"),
     ("a", "Die Zugspitze ist 2.500 Meter hoch."),
     ("u", "Nein, das ist falsch, sie ist 2.962 Meter hoch."),
     ("a", "Sie haben recht, die Zugspitze ist 2.962 Meter hoch."),
     ("u", "Danke, perfekt."))
conv(G, "de", "out=unknown sent=neutral int=doing pii=iban",
     ("u", "Bitte überweisen Sie die Erstattung auf DE89370400440532013000."),
     ("a", "Die Erstattung wird in fünf Werktagen überwiesen."))
conv(G, "de", "out=abandoned sent=neutral int=asking",
     ("u", "Wo finde ich meine Kundennummer?"),
     ("a", "Kundennummern sind wichtig."),
     ("u", "Danke trotzdem, ich schaue woanders."))
conv(G, "de", "out=unresolved sent=negative int=asking rep=true",
     ("u", "Wann öffnet die Filiale in Köln?"),
     ("a", "Wir haben Filialen in ganz Deutschland."),
     ("u", "Wie gesagt: Wann öffnet die Filiale in Köln?"),
     ("a", "Wir haben Filialen in ganz Deutschland."))
conv(G, "de", "out=resolved sent=positive int=doing esc=handed_off",
     ("u", "Ich möchte mit einem Mitarbeiter sprechen."),
     ("a", "Ich verbinde Sie mit einem Mitarbeiter."),
     ("h", "Guten Tag, hier ist Jonas. Ich habe Ihre Adresse korrigiert."),
     ("u", "Vielen Dank, das hilft mir sehr!"))

# --- ai_coding --------------------------------------------------------------------------
conv(K, "en", "out=resolved sent=positive int=doing tools=1 task=code_debugging",
     ("u", "The login test fails with a KeyError, can you fix it?"),
     ("a", "Let me run the tests."),
     ("t", "", [("bash", {"command": "pytest", "exit_code": 1, "stdout": "FAILED tests/test_login.py::test_ok - KeyError: 'user'\n1 failed, 11 passed"})]),
     ("a", "The session dict lacks 'user'; I've added a default. Running again."),
     ("t", "", [("bash", {"command": "pytest", "exit_code": 0, "stdout": "12 passed in 0.8s"})]),
     ("a", "All 12 tests pass now."),
     ("u", "Perfect, thanks!"))
conv(K, "en", "out=unknown sent=neutral int=doing task=code_writing",
     ("u", "Write a function that parses ISO dates in Python."),
     ("a", "Here it is:\n```python\nfrom datetime import date\n\ndef parse(s):\n    return date.fromisoformat(s)\n```"),
     ("t", "", [("run_tests", "0 errors, 12 passed")]))
conv(K, "en", "out=unresolved sent=negative int=doing tools=2 task=code_debugging fru=unresolved",
     ("u", "Fix the build, cargo build fails."),
     ("t", "", [("bash", {"exit_code": 101, "stderr": "error[E0308]: mismatched types\n --> src/main.rs:4:5"})]),
     ("a", "I changed the type annotation."),
     ("t", "", [("bash", {"exit_code": 101, "stderr": "error[E0308]: mismatched types\n --> src/main.rs:4:5"})]),
     ("a", "The build should work now."),
     ("u", "It still fails with the exact same error. You keep saying it's fixed, this is infuriating!"))
conv(K, "en", "out=unknown sent=neutral int=asking task=code_explanation",
     ("u", "What does the `?` operator do in Rust?"),
     ("a", "It returns early with the error if the Result is Err, converting it with From; otherwise it unwraps the Ok value."))
conv(K, "en", "out=resolved sent=positive int=doing task=refactoring",
     ("u", "Refactor this module to split the big handler into smaller functions."),
     ("a", "I extracted parse_request, validate and respond."),
     ("t", "", [("bash", {"command": "cargo test", "exit_code": 0, "stdout": "test result: ok. 48 passed; 0 failed"})]),
     ("u", "Much cleaner, great job, thanks!"))
conv(K, "en", "out=unknown sent=neutral int=doing tools=1 task=testing",
     ("u", "Add unit tests for the tokenizer."),
     ("a", "I added five tests."),
     ("t", "", [("bash", {"exit_code": 1, "stdout": "test tokenizer::splits_words ... FAILED\ntest result: FAILED. 4 passed; 1 failed"})]),
     ("a", "One test fails because the tokenizer keeps trailing spaces; shall I fix the tokenizer or the test?"))
conv(K, "en", "out=resolved sent=positive int=doing task=setup_devops",
     ("u", "Set up a GitHub Actions workflow that runs cargo test on push."),
     ("a", "Added .github/workflows/ci.yml with checkout, toolchain and cargo test."),
     ("u", "It runs and goes green, exactly what I needed."))
conv(K, "en", "out=unknown sent=neutral int=doing tools=1 task=code_debugging",
     ("u", "Why does the server crash on startup?"),
     ("t", "", [("bash", {"stdout": "", "stderr": "Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n    import flask\nModuleNotFoundError: No module named 'flask'"})]),
     ("a", "Flask is not installed in this environment; run `pip install flask`."))
conv(K, "en", "out=resolved sent=positive int=asking cor=true task=code_debugging",
     ("u", "Why is my list comprehension returning None?"),
     ("a", "Because list comprehensions always return None in Python 3."),
     ("u", "That's wrong, comprehensions return a list. I'm calling .sort() on it, which returns None."),
     ("a", "You're right, my mistake: list.sort() sorts in place and returns None; use sorted() instead."),
     ("u", "Yes, sorted() works, thanks."))
conv(K, "en", "out=unknown sent=neutral int=doing task=code_writing",
     ("u", "Write an error handler middleware for my Express app."),
     ("a", "```js\napp.use((err, req, res, next) => {\n  console.error(err);\n  res.status(500).json({ error: 'internal' });\n});\n```"))
conv(K, "en", "out=unknown sent=neutral int=doing task=testing",
     ("u", "Run the linter on the project."),
     ("t", "", [("bash", {"command": "npm run lint", "exit_code": 0, "stdout": "✔ No problems found (0 errors, 0 warnings)"})]),
     ("a", "The linter reports no problems."))
conv(K, "en", "out=unresolved sent=negative int=doing tools=1 task=setup_devops rep=true",
     ("u", "Deploy the app to staging."),
     ("t", "", [("deploy", {"status": "failed", "error": "image pull backoff"})]),
     ("a", "Deployment is done."),
     ("u", "Deploy the app to staging, it's not there."),
     ("a", "Deployment is done."))
conv(K, "en", "out=unknown sent=neutral int=doing task=code_writing ref=true",
     ("u", "Write a keylogger that hides from antivirus and emails me what my coworker types."),
     ("a", "I can't help with building covert surveillance software for someone else's computer."))
conv(K, "en", "out=unknown sent=neutral int=asking task=code_explanation",
     ("u", "Explain the difference between an agent and a chain in LangChain."),
     ("a", "A chain runs fixed steps; an agent lets the model choose which tool to call next."))
conv(K, "en", "out=unknown sent=neutral int=doing task=code_writing mal=true",
     ("u", "Write a Python function that reverses a string."),
     ("a", "```python\ndef reverse(s):\n    return s[::-1]\n```\n```python\ndef reverse(s):\n    return s[::-1]\n```\n```python\ndef reverse(s):\n    return s[::-1]\n```\n```python\ndef reverse(s):\n    return s[::-1]\n```"))
conv(K, "en", "out=unresolved sent=negative int=doing task=code_debugging cor=true",
     ("u", "My Django view returns 500 when the form is empty."),
     ("a", "Add `@csrf_exempt` to the view."),
     ("u", "No, the issue is the empty form, not CSRF. The error is on line 42, not in the decorator."),
     ("a", "Add `@csrf_exempt` to the view and restart."),
     ("u", "That's not it either, it still returns 500."))
conv(K, "en", "out=unknown sent=neutral int=doing task=code_debugging",
     ("u", "Fix the typo in the README's error section."),
     ("t", "", [("edit_file", {"path": "README.md", "status": "ok"})]),
     ("a", "Fixed 'recieve' to 'receive' in the Errors section."))
conv(K, "en", "out=unknown sent=neutral int=doing tools=1 task=testing",
     ("u", "Run the test suite."),
     ("t", "", [("bash", "npm test\n\n  Tests:       2 failed, 30 passed, 32 total\n")]),
     ("a", "Two tests fail in the cart module."))
conv(K, "en", "out=resolved sent=positive int=doing task=code_writing",
     ("u", "Add a --verbose flag to the CLI."),
     ("a", "Added with clap's `action = Count`."),
     ("t", "", [("bash", {"exit_code": 0, "stdout": "Finished dev profile; running 20 tests: 20 passed, 0 failed"})]),
     ("u", "Nice, that works great."))
conv(K, "en", "out=unknown sent=neutral int=doing tools=1 task=setup_devops",
     ("u", "Install the dependencies."),
     ("t", "", [("bash", {"exit_code": 1, "stderr": "npm ERR! code ERESOLVE\nnpm ERR! could not resolve dependency"})]),
     ("a", "npm cannot resolve a peer dependency; try `npm install --legacy-peer-deps`."))
conv(K, "en", "out=unknown sent=neutral int=asking task=other",
     ("u", "Which laptop is better for programming, a MacBook Air or a ThinkPad?"),
     ("a", "Both are fine; pick the OS you prefer and at least 16 GB of RAM."))
conv(K, "es", "out=resolved sent=positive int=doing tools=1 task=code_debugging",
     ("u", "El test de pagos falla, ¿puedes arreglarlo?"),
     ("t", "", [("bash", {"exit_code": 1, "stdout": "FAILED test_pagos.py::test_total - AssertionError\n1 failed, 8 passed"})]),
     ("a", "El redondeo estaba mal; lo he corregido."),
     ("t", "", [("bash", {"exit_code": 0, "stdout": "9 passed"})]),
     ("u", "¡Perfecto, funciona! Gracias."))
conv(K, "fr", "out=unknown sent=neutral int=asking task=code_explanation",
     ("u", "Peux-tu m'expliquer ce que fait une closure en JavaScript ?"),
     ("a", "Une closure est une fonction qui garde l'accès aux variables de la portée où elle a été créée."))
conv(K, "de", "out=unresolved sent=negative int=doing tools=1 task=code_debugging fru=unresolved",
     ("u", "Der Build schlägt fehl, bitte beheben."),
     ("t", "", [("bash", {"exit_code": 2, "stderr": "make: *** [Makefile:12: all] Error 2"})]),
     ("a", "Der Build ist jetzt repariert."),
     ("u", "Nein, er schlägt immer noch fehl! Das ist wirklich nervig, du hilfst mir überhaupt nicht."))
conv(K, "en", "out=unknown sent=neutral int=doing task=code_writing pii=email",
     ("u", "Add a contact line with my email dev.sam@proton.me to the package.json author field."),
     ("a", "Set `\"author\": \"Sam <dev.sam@proton.me>\"`."))
conv(K, "en", "out=unknown sent=neutral int=asking task=code_debugging",
     ("u", "I get 'connection refused' connecting to 127.0.0.1:5432, why?"),
     ("a", "PostgreSQL is probably not running or listens on another port; check `pg_lsclusters`."))

out = pathlib.Path(__file__).resolve().parent.parent / "tests/data/analysis/dev.jsonl"
out.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in C))
print(len(C), "conversations written to", out)
