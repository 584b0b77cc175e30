// The annotator page: sign in with a token, claim a task, answer with keys or
// clicks, move on. Plain JS against the GraphQL annotator API.
(() => {
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem("annotatorToken");
  let assignment = null;
  let answer = null;
  let dragStart = null;
  /** An answer given but not sent yet: it can be undone for UNDO_MS. */
  let pending = null;
  /** An empty answer waits for a second Enter: an accidental Enter must not count. */
  let emptyConfirmed = false;
  /** The drawn box selected for deleting (Delete) or moving (drag). */
  let selectedBox = null;
  const UNDO_MS = 5000;

  async function gql(query, variables) {
    const res = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json();
    if (body.errors?.length) throw Object.assign(new Error(body.errors[0].message), { code: body.errors[0].extensions?.code });
    return body.data;
  }

  const NEXT = `mutation { nextAssignment { id leasedUntil task { taskId type data dataUrl labelSpec qualifying project { name instructionsHtml examples } } } }`;
  const SUBMIT = `mutation($id: ID!, $answer: JSON!) { submitJudgment(assignmentId: $id, answer: $answer) {
    __typename ... on MutationSubmitJudgmentSuccess { data { taskStatus } } ... on AppError { code message } } }`;
  const PROBLEM = `mutation($id: ID!, $reason: String!) { reportProblem(assignmentId: $id, reason: $reason) { __typename } }`;
  const RELEASE = `mutation($id: ID!) { releaseAssignment(assignmentId: $id) { __typename } }`;

  function status(text) {
    $("status").textContent = text;
  }

  async function signIn(candidate) {
    token = candidate;
    try {
      await showRecord().catch((error) => {
        throw new Error(error.code === "unauthorized" ? "That token was not accepted." : error.message);
      });
      sessionStorage.setItem("annotatorToken", token);
      $("sign-in").hidden = true;
      $("work").hidden = false;
      $("sign-out").hidden = false;
      await next();
    } catch (error) {
      token = null;
      $("sign-in-error").textContent = error.message;
    }
  }

  /** The annotator's name and own record: judgments so far and accuracy on gold. */
  async function showRecord() {
    const { currentAnnotator: me } = await gql(`{ currentAnnotator { name reliability { judgments goldAccuracy } } }`);
    const { judgments, goldAccuracy } = me.reliability;
    const gold = goldAccuracy === null ? "" : ` · gold accuracy ${Math.round(goldAccuracy * 100)}%`;
    $("who").textContent = `· ${me.name} · ${judgments} judgment${judgments === 1 ? "" : "s"}${gold}`;
  }

  async function next() {
    showRecord().catch(() => {});
    assignment = null;
    $("item").hidden = true;
    status("Looking for a task…");
    const data = await gql(NEXT);
    assignment = data.nextAssignment;
    if (!assignment) {
      status("No tasks right now. Checking again in a few seconds…");
      setTimeout(() => !assignment && next().catch(showError), 5000);
      return;
    }
    // GraphQL enums are upper case (IMAGE_CLASSIFICATION); the page speaks the REST names.
    assignment.task.type = assignment.task.type.toLowerCase();
    render(assignment.task);
  }

  function labelsOf(task) {
    const spec = task.labelSpec;
    // A rating's number keys pick a point of its scale; a text response has none.
    if (spec.criteria) return scalePoints(spec).map(String);
    if (task.type === "pairwise_preference") return preferenceChoices(spec).map((c) => c.label);
    return spec.options ?? spec.classes ?? spec.entity_types ?? spec.keypoints ?? [];
  }

  const preferenceChoices = (spec) => [
    { choice: "a", label: "A is better" },
    { choice: "b", label: "B is better" },
    ...(spec.allow_tie ? [{ choice: "tie", label: "About the same" }] : []),
  ];

  function scalePoints(spec) {
    const { min, max } = spec.scale ?? { min: 1, max: 5 };
    return Array.from({ length: max - min + 1 }, (_, i) => min + i);
  }

  /** The project's instructions (HTML rendered by the server from Markdown, without raw HTML or scripts) and worked examples. */
  function renderInstructions(project) {
    $("instructions").hidden = !project;
    if (!project) return;
    $("instructions-title").textContent = `Instructions: ${project.name}`;
    $("instructions-body").innerHTML = project.instructionsHtml;
    $("examples").replaceChildren(
      ...project.examples.map((example) => {
        const li = document.createElement("li");
        const item = example.data ?? example.dataUrl ?? "";
        li.textContent = `${item} → ${JSON.stringify(example.answer)}${example.explanation ? ` (${example.explanation})` : ""}`;
        return li;
      }),
    );
  }

  function render(task) {
    const spec = task.labelSpec;
    renderInstructions(task.project);
    emptyConfirmed = false;
    selectedBox = null;
    $("question").textContent = spec.question;
    const data = $("data");
    data.replaceChildren();
    answer =
      task.type === "multi_label_classification" ? { labels: [] }
      : task.type === "bounding_box" ? { boxes: [] }
      : task.type === "named_entity" ? { entities: [] }
      : task.type === "rating" ? { ratings: {} }
      : task.type === "text_response" ? { text: "" }
      : task.type === "pairwise_preference" ? {}
      : task.type === "polygon" ? { polygons: [] }
      : task.type === "keypoints" ? { instances: [] }
      : null;
    if (task.type === "pairwise_preference") {
      renderPair(data, JSON.parse(task.data));
    } else if (["image_classification", "bounding_box", "polygon", "keypoints"].includes(task.type)) {
      const stage = document.createElement("div");
      stage.className = "stage";
      const img = document.createElement("img");
      img.alt = "item to label";
      img.src = task.dataUrl;
      img.draggable = false;
      stage.append(img);
      data.append(stage);
      if (task.type === "bounding_box") enableDrawing(stage);
      if (task.type === "polygon") enablePolygons(stage);
      if (task.type === "keypoints") enableKeypoints(stage, spec);
    } else if (task.data) {
      const pre = document.createElement("pre");
      pre.id = "text";
      pre.textContent = task.data;
      data.append(pre);
    } else {
      const link = document.createElement("a");
      link.href = task.dataUrl;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = task.dataUrl;
      data.append(link);
    }
    const choices = $("choices");
    if (task.type === "rating") {
      renderCriteria(task);
    } else if (task.type === "pairwise_preference") {
      renderPreference(spec);
    } else if (task.type === "text_response") {
      const li = document.createElement("li");
      const area = document.createElement("textarea");
      area.id = "response";
      area.rows = 4;
      area.maxLength = spec.max_length ?? 2000;
      area.setAttribute("aria-label", "your answer");
      area.addEventListener("input", () => (answer.text = area.value));
      li.append(area);
      choices.replaceChildren(li);
      setTimeout(() => area.focus(), 0);
    } else choices.replaceChildren(
      ...labelsOf(task).map((label, i) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.index = String(i);
        button.textContent = `${i + 1}. ${label}`;
        button.addEventListener("click", () => choose(i));
        li.append(button);
        return li;
      }),
    );
    if (task.type === "keypoints") markKeypoints();
    $("hint").textContent = {
      image_classification: "Press the option's number to answer (U undoes it for 5 s, Enter sends it now).",
      text_classification: "Press the option's number to answer (U undoes it for 5 s, Enter sends it now).",
      multi_label_classification: "Numbers toggle options; Enter submits.",
      bounding_box: "Press a class number, drag on the image to draw a box; click a box, then Delete removes it or drag moves it; Enter submits.",
      named_entity: "Select text, press an entity type's number; Enter submits.",
      rating: "Pick a score for each criterion (number keys score the highlighted one and move on); Enter submits once all are scored.",
      text_response: "Type your answer; Ctrl+Enter submits.",
      pairwise_preference: "Press 1 or 2 for the better response (then a number for how much better, where asked); Enter submits.",
      polygon: "Press a class number, click the image to place corners; click the first corner or press Enter to close the outline; Backspace removes the last corner; Enter with no open outline submits.",
      keypoints: "Click the image to place the highlighted point (number keys pick another); N: not visible; P: next person; Backspace removes the last point; Enter submits.",
    }[task.type];
    status(task.qualifying ? `Qualification for ${task.project?.name ?? "this project"}: your answers to these first items decide whether you may label the rest.` : `Task ${task.taskId}`);
    $("item").hidden = false;
  }

  /** One row of score buttons per criterion; the highlighted row takes the number keys. */
  let currentCriterion = 0;
  function renderCriteria(task) {
    const spec = task.labelSpec;
    currentCriterion = 0;
    $("choices").replaceChildren(
      ...spec.criteria.map((criterion, row) => {
        const li = document.createElement("li");
        li.className = "criterion";
        li.dataset.row = String(row);
        const name = document.createElement("span");
        name.textContent = criterion.name;
        name.title = criterion.description ?? "";
        li.append(name);
        scalePoints(spec).forEach((point, i) => {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = spec.scale?.labels?.[i] ? `${point} ${spec.scale.labels[i]}` : String(point);
          button.addEventListener("click", () => rate(row, point));
          li.append(button);
        });
        return li;
      }),
    );
    markCriteria();
  }

  function rate(row, point) {
    const spec = assignment.task.labelSpec;
    answer.ratings[spec.criteria[row].name] = point;
    currentCriterion = Math.min(row + 1, spec.criteria.length - 1);
    markCriteria();
    if (Object.keys(answer.ratings).length === spec.criteria.length) status("All scored: Enter submits.");
  }

  function markCriteria() {
    const spec = assignment.task.labelSpec;
    const points = scalePoints(spec);
    document.querySelectorAll("#choices .criterion").forEach((li, row) => {
      li.classList.toggle("current", row === currentCriterion);
      li.querySelectorAll("button").forEach((b, i) => b.classList.toggle("on", answer.ratings[spec.criteria[row].name] === points[i]));
    });
  }

  /** The prompt, then the two responses side by side as A and B (their ids, a model's name, are not shown: they would bias the choice). */
  function renderPair(data, pair) {
    const prompt = document.createElement("pre");
    prompt.id = "text";
    prompt.textContent = pair.prompt;
    const responses = document.createElement("div");
    responses.className = "responses";
    pair.responses.forEach((response, i) => {
      const column = document.createElement("section");
      column.className = "response";
      const title = document.createElement("h3");
      title.textContent = `Response ${"AB"[i]}`;
      const body = document.createElement("pre");
      body.textContent = response.text;
      column.append(title, body);
      responses.append(column);
    });
    data.append(prompt, responses);
  }

  /** A row of choices, a row of strengths where the spec asks for one, and a reason box. */
  function renderPreference(spec) {
    const row = (className, labels, onPick) => {
      const li = document.createElement("li");
      li.className = `criterion ${className}`;
      labels.forEach((label, i) => {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = `${i + 1}. ${label}`;
        button.addEventListener("click", () => onPick(i));
        li.append(button);
      });
      return li;
    };
    const rows = [row("preference", preferenceChoices(spec).map((c) => c.label), (i) => prefer(i, "choice"))];
    if (spec.strength_labels) rows.push(row("strength", spec.strength_labels, (i) => prefer(i, "strength")));
    const reason = document.createElement("li");
    const area = document.createElement("textarea");
    area.id = "reason";
    area.rows = 2;
    area.maxLength = 2000;
    area.placeholder = spec.require_reason ? "Why? (required)" : "Why? (optional)";
    area.setAttribute("aria-label", "reason");
    area.addEventListener("input", () => {
      if (area.value.trim()) answer.reason = area.value.trim();
      else delete answer.reason;
    });
    reason.append(area);
    $("choices").replaceChildren(...rows, reason);
    markPreference();
  }

  /** A number key: the choice first, then (where asked) the strength; a click says which row. */
  function prefer(index, row) {
    const spec = assignment.task.labelSpec;
    const which = row ?? (answer.choice && spec.strength_labels && answer.choice !== "tie" ? "strength" : "choice");
    if (which === "choice") {
      const picked = preferenceChoices(spec)[index];
      if (!picked) return;
      answer.choice = picked.choice;
      if (picked.choice === "tie") delete answer.strength;
    } else if (index < (spec.strength_labels?.length ?? 0) && answer.choice !== "tie") {
      answer.strength = index + 1;
    }
    markPreference();
  }

  function markPreference() {
    const spec = assignment.task.labelSpec;
    document.querySelectorAll("#choices .preference button").forEach((b, i) => b.classList.toggle("on", preferenceChoices(spec)[i].choice === answer.choice));
    document.querySelectorAll("#choices .strength button").forEach((b, i) => b.classList.toggle("on", answer.strength === i + 1));
    const strengthNext = answer.choice && answer.choice !== "tie" && spec.strength_labels;
    document.querySelector("#choices .preference")?.classList.toggle("current", !strengthNext);
    document.querySelector("#choices .strength")?.classList.toggle("current", Boolean(strengthNext));
  }

  function preferenceMissing(spec, value) {
    if (!value.choice) return "Pick the better response first (1 or 2).";
    if (spec.strength_labels && value.choice !== "tie" && !value.strength) return "Say how much better it is first.";
    if (spec.require_reason && !value.reason) return "Give a reason first.";
    return null;
  }

  const SVG = "http://www.w3.org/2000/svg";
  const svgNode = (name, attributes, text) => {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  };

  /** An SVG over the stage's image in the image's own pixels, and the image pixel under a pointer event. */
  function overlay(stage) {
    const img = stage.querySelector("img");
    const svg = svgNode("svg", { class: "overlay" });
    const fit = () => svg.setAttribute("viewBox", `0 0 ${img.naturalWidth || img.clientWidth || 1} ${img.naturalHeight || img.clientHeight || 1}`);
    img.addEventListener("load", fit);
    fit();
    stage.append(svg);
    /** How many image pixels one screen pixel is. */
    const pixel = () => (img.naturalWidth ? img.naturalWidth / img.getBoundingClientRect().width : 1);
    const toImage = (event) => {
      const rect = img.getBoundingClientRect();
      return [Math.max(0, Math.round((event.clientX - rect.left) * pixel())), Math.max(0, Math.round((event.clientY - rect.top) * pixel()))];
    };
    return { svg, toImage, pixel };
  }

  /** Polygons: clicks place corners of the open outline; a click on its first corner (or Enter) closes it. */
  let openPolygon = null;
  let redrawPolygons = () => {};
  function enablePolygons(stage) {
    const { svg, toImage, pixel } = overlay(stage);
    openPolygon = null;
    redrawPolygons = () => {
      svg.replaceChildren();
      for (const polygon of answer.polygons) {
        svg.append(svgNode("polygon", { class: "shape", points: polygon.points.join(" ") }));
        svg.append(svgNode("text", { x: polygon.points[0][0], y: polygon.points[0][1] - 4 * pixel(), class: "tag" }, polygon.label));
      }
      if (openPolygon) {
        svg.append(svgNode("polyline", { class: "open", points: openPolygon.points.join(" ") }));
        openPolygon.points.forEach(([x, y], i) => svg.append(svgNode("circle", { cx: x, cy: y, r: 4 * pixel(), class: i === 0 ? "vertex first" : "vertex" })));
      }
    };
    stage.addEventListener("mousedown", (event) => {
      event.preventDefault();
      if (!assignment) return;
      const [x, y] = toImage(event);
      if (openPolygon && openPolygon.points.length >= 3) {
        const [fx, fy] = openPolygon.points[0];
        if (Math.hypot(fx - x, fy - y) <= 8 * pixel()) return closeOpenPolygon();
      }
      if (!openPolygon) openPolygon = { label: labelsOf(assignment.task)[currentClass], points: [] };
      openPolygon.points.push([x, y]);
      redrawPolygons();
    });
  }

  /** Closes the open outline (kept if it has 3 corners); true when there was one to close. */
  function closeOpenPolygon() {
    if (!openPolygon) return false;
    if (openPolygon.points.length >= 3) answer.polygons.push(openPolygon);
    else status("An outline needs at least 3 corners; it was dropped.");
    openPolygon = null;
    redrawPolygons();
    return true;
  }

  /** Keypoints: a click places the highlighted point of the current person, then the next unplaced one is highlighted. */
  let currentKeypoint = 0;
  let redrawKeypoints = () => {};
  function enableKeypoints(stage, spec) {
    const { svg, toImage, pixel } = overlay(stage);
    answer.instances = [{ keypoints: {} }];
    currentKeypoint = 0;
    redrawKeypoints = () => {
      svg.replaceChildren();
      answer.instances.forEach((instance, person) => {
        for (const [from, to] of spec.skeleton ?? []) {
          const [a, b] = [instance.keypoints[from], instance.keypoints[to]];
          if (a && b) svg.append(svgNode("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: "bone" }));
        }
        for (const [name, p] of Object.entries(instance.keypoints)) {
          svg.append(svgNode("circle", { cx: p.x, cy: p.y, r: 4 * pixel(), class: "vertex" }));
          svg.append(svgNode("text", { x: p.x + 6 * pixel(), y: p.y, class: "tag" }, answer.instances.length > 1 ? `${person + 1}:${name}` : name));
        }
      });
      markKeypoints();
    };
    stage.addEventListener("mousedown", (event) => {
      event.preventDefault();
      if (!assignment) return;
      const [x, y] = toImage(event);
      answer.instances[answer.instances.length - 1].keypoints[spec.keypoints[currentKeypoint]] = { x, y };
      nextKeypoint();
    });
    redrawKeypoints();
  }

  /** Highlights the current person's next point not placed yet (N: the highlighted one is not visible). */
  function nextKeypoint() {
    const names = assignment.task.labelSpec.keypoints;
    const placed = answer.instances[answer.instances.length - 1].keypoints;
    for (let step = 1; step <= names.length; step++) {
      const candidate = (currentKeypoint + step) % names.length;
      if (!(names[candidate] in placed)) {
        currentKeypoint = candidate;
        break;
      }
    }
    redrawKeypoints();
  }

  function nextPerson() {
    if (Object.keys(answer.instances[answer.instances.length - 1].keypoints).length === 0) return;
    answer.instances.push({ keypoints: {} });
    currentKeypoint = 0;
    redrawKeypoints();
    status(`Person ${answer.instances.length}: place its points.`);
  }

  function markKeypoints() {
    const placed = answer.instances[answer.instances.length - 1]?.keypoints ?? {};
    const names = assignment.task.labelSpec.keypoints;
    document.querySelectorAll("#choices button").forEach((b, i) => {
      b.classList.toggle("on", names[i] in placed);
      b.classList.toggle("current", i === currentKeypoint);
    });
  }

  /** Backspace: the open outline's last corner (else the last outline), or the last placed point. */
  function removeLast() {
    const task = assignment.task;
    if (task.type === "polygon") {
      if (openPolygon) openPolygon.points.pop();
      else answer.polygons.pop();
      if (openPolygon && openPolygon.points.length === 0) openPolygon = null;
      redrawPolygons();
    } else if (task.type === "keypoints") {
      const instance = answer.instances[answer.instances.length - 1];
      const names = Object.keys(instance.keypoints);
      if (names.length) {
        const last = names[names.length - 1];
        delete instance.keypoints[last];
        currentKeypoint = task.labelSpec.keypoints.indexOf(last);
      } else if (answer.instances.length > 1) answer.instances.pop();
      redrawKeypoints();
    }
  }

  let currentClass = 0;
  function choose(index) {
    if (!assignment) return;
    const task = assignment.task;
    // A preference's number keys go to its choice row, then to its strength row.
    if (task.type === "pairwise_preference") return prefer(index);
    const labels = labelsOf(task);
    if (index >= labels.length) return;
    const label = labels[index];
    if (task.type === "rating") {
      rate(currentCriterion, Number(label));
    } else if (task.type === "keypoints") {
      currentKeypoint = index;
      markKeypoints();
    } else if (task.type === "image_classification" || task.type === "text_classification") {
      document.querySelectorAll("#choices button").forEach((b, i) => b.classList.toggle("on", i === index));
      submit({ label });
    } else if (task.type === "multi_label_classification") {
      const set = new Set(answer.labels);
      set.has(label) ? set.delete(label) : set.add(label);
      answer.labels = labels.filter((l) => set.has(l));
      document.querySelectorAll("#choices button").forEach((b, i) => b.classList.toggle("on", set.has(labels[i])));
    } else if (task.type === "bounding_box" || task.type === "polygon") {
      currentClass = index;
      document.querySelectorAll("#choices button").forEach((b, i) => b.classList.toggle("on", i === index));
    } else if (task.type === "named_entity") {
      const selection = window.getSelection();
      const text = $("text");
      if (!selection || selection.isCollapsed || !text || !text.contains(selection.anchorNode)) return;
      const range = selection.getRangeAt(0);
      const before = document.createRange();
      before.setStart(text, 0);
      before.setEnd(range.startContainer, range.startOffset);
      const start = before.toString().length;
      const end = start + range.toString().length;
      answer.entities.push({ start, end, label });
      selection.removeAllRanges();
      highlight(text, task.data, answer.entities);
    }
  }

  function highlight(element, text, entities) {
    element.replaceChildren();
    let at = 0;
    for (const e of [...entities].sort((a, b) => a.start - b.start)) {
      if (e.start < at) continue;
      element.append(text.slice(at, e.start));
      const mark = document.createElement("mark");
      mark.textContent = text.slice(e.start, e.end);
      mark.title = e.label;
      element.append(mark);
      at = e.end;
    }
    element.append(text.slice(at));
  }

  /**
   * Boxes: drag on the image to draw one; click a box to select it, then
   * Delete removes it and dragging moves it. The answer is kept in image pixels.
   */
  function enableDrawing(stage) {
    const img = stage.querySelector("img");
    const scale = () => (img.naturalWidth ? img.naturalWidth / img.clientWidth : 1);
    const point = (event) => {
      const rect = img.getBoundingClientRect();
      return { x: Math.max(0, event.clientX - rect.left), y: Math.max(0, event.clientY - rect.top) };
    };
    let moving = null;
    stage.addEventListener("mousedown", (event) => {
      event.preventDefault();
      const target = event.target.closest(".box");
      if (target) {
        selectBox(target);
        const drawn = answer.boxes[Number(target.dataset.index)];
        moving = { box: target, from: point(event), left: parseFloat(target.style.left), top: parseFloat(target.style.top), x: drawn.x, y: drawn.y };
        return;
      }
      selectBox(null);
      dragStart = point(event);
    });
    window.addEventListener("mousemove", (event) => {
      if (!moving) return;
      const at = point(event);
      moving.box.style.left = `${moving.left + at.x - moving.from.x}px`;
      moving.box.style.top = `${moving.top + at.y - moving.from.y}px`;
    });
    window.addEventListener("mouseup", (event) => {
      if (moving) {
        // The move in image pixels, from where the box was (not from rounded screen positions).
        const s = scale();
        const at = point(event);
        const drawn = answer.boxes[Number(moving.box.dataset.index)];
        drawn.x = Math.max(0, Math.round(moving.x + (at.x - moving.from.x) * s));
        drawn.y = Math.max(0, Math.round(moving.y + (at.y - moving.from.y) * s));
        moving = null;
        return;
      }
      if (!dragStart || !assignment) return;
      const end = point(event);
      const x = Math.min(dragStart.x, end.x);
      const y = Math.min(dragStart.y, end.y);
      const w = Math.abs(end.x - dragStart.x);
      const h = Math.abs(end.y - dragStart.y);
      dragStart = null;
      if (w < 3 || h < 3) return;
      const label = labelsOf(assignment.task)[currentClass];
      const s = scale();
      answer.boxes.push({ x: Math.round(x * s), y: Math.round(y * s), w: Math.round(w * s), h: Math.round(h * s), label });
      const box = document.createElement("div");
      box.className = "box";
      box.dataset.index = String(answer.boxes.length - 1);
      Object.assign(box.style, { left: `${x}px`, top: `${y}px`, width: `${w}px`, height: `${h}px` });
      box.textContent = label;
      stage.append(box);
    });
  }

  function selectBox(box) {
    selectedBox = box;
    document.querySelectorAll("#data .box").forEach((b) => b.classList.toggle("selected", b === box));
  }

  function deleteSelectedBox() {
    if (!selectedBox) return;
    const index = Number(selectedBox.dataset.index);
    answer.boxes.splice(index, 1);
    selectedBox.remove();
    selectedBox = null;
    document.querySelectorAll("#data .box").forEach((b, i) => (b.dataset.index = String(i)));
  }

  const isEmpty = (value) => Object.values(value).some((v) => Array.isArray(v) && v.length === 0);

  /** Gives an answer: held back for UNDO_MS (Enter sends it at once, U or the button undoes it). */
  function submit(value) {
    if (!assignment || pending) return;
    if (assignment.task.type === "polygon" && closeOpenPolygon()) return;
    if (value.instances) value = { instances: value.instances.filter((instance) => Object.keys(instance.keypoints).length > 0) };
    const spec = assignment.task.labelSpec;
    if (spec.criteria && Object.keys(value.ratings).length < spec.criteria.length) {
      status(`Score every criterion first (${spec.criteria.filter((c) => !(c.name in value.ratings)).map((c) => c.name).join(", ")} to go).`);
      return;
    }
    const missing = assignment.task.type === "pairwise_preference" && preferenceMissing(spec, value);
    if (missing) {
      status(missing);
      return;
    }
    if ("text" in value && !value.text.trim()) {
      status("Write an answer first (or skip with Esc).");
      return;
    }
    if (isEmpty(value) && !emptyConfirmed) {
      emptyConfirmed = true;
      status("Nothing is marked. Press Enter again to answer that there is none, or mark something first.");
      return;
    }
    emptyConfirmed = false;
    const current = assignment;
    assignment = null;
    pending = { current, value, timer: setTimeout(() => send().catch(showError), UNDO_MS) };
    $("undo-text").textContent = `Answer ${JSON.stringify(value)} is sent in 5 s.`;
    $("undo").hidden = false;
  }

  function undo() {
    if (!pending) return;
    clearTimeout(pending.timer);
    assignment = pending.current;
    pending = null;
    $("undo").hidden = true;
    document.querySelectorAll("#choices button").forEach((b) => b.classList.remove("on"));
    render(assignment.task);
    status(`Undone: answer task ${assignment.task.taskId} again.`);
  }

  async function send() {
    if (!pending) return;
    clearTimeout(pending.timer);
    const { current, value } = pending;
    pending = null;
    $("undo").hidden = true;
    const data = await gql(SUBMIT, { id: current.id, answer: value });
    const outcome = data.submitJudgment;
    if (outcome.__typename === "AppError") {
      status(`Not accepted: ${outcome.message}`);
      assignment = outcome.code === "invalid_request" ? current : null;
      if (!assignment) setTimeout(() => next().catch(showError), 1000);
      return;
    }
    await next();
  }

  async function skip() {
    if (!assignment) return;
    const current = assignment;
    assignment = null;
    await gql(RELEASE, { id: current.id });
    await next();
  }

  async function cannotLabel() {
    if (!assignment) return;
    const reason = window.prompt("What is wrong with this item?", "the item cannot be labeled");
    if (!reason) return;
    const current = assignment;
    assignment = null;
    await gql(PROBLEM, { id: current.id, reason });
    await next();
  }

  function showError(error) {
    status(`Something went wrong: ${error.message}`);
    if (error.code === "unauthorized") signOut();
  }

  function signOut() {
    sessionStorage.removeItem("annotatorToken");
    location.reload();
  }

  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement) return;
    if (pending) {
      if (event.key === "Enter") send().catch(showError);
      else if (event.key === "u" || event.key === "U" || (event.key === "z" && (event.ctrlKey || event.metaKey))) undo();
      event.preventDefault();
      return;
    }
    // In the answer box keys are text; Ctrl+Enter (or Cmd+Enter) submits it.
    if (event.target instanceof HTMLTextAreaElement) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && answer) {
        event.preventDefault();
        submit(answer);
      }
      return;
    }
    if (!assignment) return;
    if (/^[1-9]$/.test(event.key)) {
      event.preventDefault();
      choose(Number(event.key) - 1);
    } else if (event.key === "Enter" && answer) {
      event.preventDefault();
      submit(answer);
    } else if ((event.key === "Delete" || event.key === "Backspace") && selectedBox) {
      event.preventDefault();
      deleteSelectedBox();
    } else if (event.key === "Backspace" && (assignment.task.type === "polygon" || assignment.task.type === "keypoints")) {
      event.preventDefault();
      removeLast();
    } else if (assignment.task.type === "keypoints" && (event.key === "n" || event.key === "N")) {
      nextKeypoint();
    } else if (assignment.task.type === "keypoints" && (event.key === "p" || event.key === "P")) {
      nextPerson();
    } else if (event.key === "Escape") {
      skip().catch(showError);
    } else if (event.key === "x" || event.key === "X") {
      cannotLabel().catch(showError);
    }
  });
  $("submit").addEventListener("click", () => answer && submit(answer));
  $("undo-button").addEventListener("click", undo);
  $("send-now").addEventListener("click", () => send().catch(showError));
  $("skip").addEventListener("click", () => skip().catch(showError));
  $("problem").addEventListener("click", () => cannotLabel().catch(showError));
  $("sign-out").addEventListener("click", signOut);
  $("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn($("token").value.trim());
  });
  /** An invite link (/annotate#join=wti_…): join with a name, keep the new token, start. */
  const invitation = new URLSearchParams(location.hash.slice(1)).get("join");
  if (invitation) {
    $("sign-in").hidden = true;
    $("join").hidden = false;
    $("join").addEventListener("submit", async (event) => {
      event.preventDefault();
      const res = await fetch("/v1/work-teams/join", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: invitation, name: $("join-name").value.trim() }),
      });
      const body = await res.json();
      if (!res.ok) {
        $("join-error").textContent = res.status === 404 ? "This invite link was used already or has expired; ask for a new one." : body.error.message;
        return;
      }
      history.replaceState(null, "", location.pathname);
      $("join").hidden = true;
      $("joined").hidden = false;
      $("joined-team").textContent = body.team.name;
      $("joined-token").textContent = body.token;
      await signIn(body.token);
    });
  } else if (token) signIn(token);
})();
