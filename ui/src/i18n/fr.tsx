// Français. Typed against the English catalog: every key must be here.
import type { ComponentChildren } from "preact";
import type { Messages } from "./en";

const n = (count: number, one: string, many: string) => `${count} ${count <= 1 ? one : many}`;
// French puts a (narrow no-break) space before : ; ? !
const NNBSP = "\u202f";

export const fr: Messages = {
  common: {
    meetings: "Réunions",
    meeting: "Réunion",
    loading: "Chargement…",
    opening: "Ouverture…",
    cancel: "Annuler",
    close: "Fermer",
    save: "Enregistrer",
    change: "Changer",
    none: "—",
    somethingWrong: "Une erreur s’est produite.",
    pageMissing: "Cette page n’existe pas.",
    noScreen: (path: string) => `Aucun écran à l’adresse ${path}.`,
    allMeetings: "Toutes les réunions",
    languages: (names: string) => `Langues${NNBSP}: ${names}`,
    breadcrumb: "Fil d’Ariane",
    settings: "Paramètres",
    search: "Rechercher",
  },
  errors: {
    cache_too_new: "Ce cache a été écrit par une version plus récente de Plenary.",
    cache_locked: "Une autre fenêtre de Plenary utilise le cache.",
    not_a_cache: "Le dossier du cache contient autre chose qu’un cache Plenary.",
    not_found: "Introuvable sur cet ordinateur.",
    blob_missing: "Pas encore téléchargé.",
    blob_corrupt: "Un fichier enregistré est endommagé.",
    disk_full: "Le disque est plein.",
    invalid_input: "Cette valeur ne peut pas être utilisée.",
  },
  topbar: {
    home: "Plenary : toutes les réunions",
  },
  sync: {
    lastSynced: (when: string) => `Dernière synchronisation${NNBSP}: ${when}.`,
    notSynced: "Pas encore synchronisé.",
    offlineCopy: "Copie hors ligne",
    offlineCopyDetail:
      "Aucun serveur n’est configuré : Plenary affiche les documents enregistrés sur cet ordinateur.",
    syncing: "Synchronisation…",
    files: (done: number, total: number) => ` ${done} fichiers sur ${total}`,
    texts: (done: number, total: number) => ` textes ${done} sur ${total}`,
    secondsLeft: (s: number) => `, encore ${s} s environ`,
    fetching: (server: string, eta: string, last: string) =>
      `Récupération des nouveautés de ${server}${eta}. ${last}`,
    upToDate: (when: string) => `À jour · ${when}`,
    online: "En ligne",
    connected: (server: string, last: string) => `Connecté à ${server}. ${last}`,
    offline: "Hors ligne",
    offlineDetail: (server: string, last: string) =>
      `Pas de connexion à ${server}. ${last} Les documents de cet ordinateur restent lisibles ; Plenary se synchronise dès le retour de la connexion.`,
    unreachable: "Serveur injoignable",
    unreachableDetail: (error: string, last: string) =>
      `${error} ${last} Les documents de cet ordinateur restent lisibles.`.trim(),
    refused: "Synchronisation refusée",
    connecting: "Connexion…",
    contacting: (server: string) => `Connexion à ${server}.`,
    syncNow: "Synchroniser",
  },
  meetings: {
    title: "Réunions",
    documents: (c: number) => n(c, "document", "documents"),
    statements: (c: number) => n(c, "déclaration", "déclarations"),
    news: (fresh: number, updated: number) =>
      [fresh ? n(fresh, "nouveau", "nouveaux") : "", updated ? n(updated, "mis à jour", "mis à jour") : ""]
        .filter(Boolean)
        .join(" · "),
    emptyTitle: "Aucune réunion sur cet ordinateur pour l’instant",
    emptyConfigured: (server: ComponentChildren) => (
      <>
        Plenary conserve sur cet ordinateur les réunions publiées sur {server}, pour que vous puissiez les lire
        hors ligne.{" "}
      </>
    ),
    emptyFetching: "Il les récupère en ce moment.",
    emptyFailed: (error: string) => `Il n’a pas pu les récupérer${NNBSP}: ${error}`,
    emptyNone: "Aucune n’est encore publiée.",
    emptyNoServer:
      "Plenary affiche les réunions enregistrées sur cet ordinateur, pour que vous puissiez les lire hors ligne. Rien n’est encore enregistré et aucun serveur n’est configuré : ouvrez les Paramètres et saisissez l’adresse que votre secrétariat vous a donnée.",
    openSettings: "Ouvrir les Paramètres",
    cacheFolder: `Dossier du cache${NNBSP}:`,
    tryDemo: (run: ComponentChildren, seed: ComponentChildren) => (
      <>
        Pour essayer Plenary avec une réunion de démonstration, lancez {run} depuis son dossier source, ou {seed}{" "}
        puis redémarrez.
      </>
    ),
  },
  meeting: {
    agenda: "Ordre du jour",
    allItems: "Tous les points",
    noAgenda: "Aucun ordre du jour publié.",
    content: "Contenu de la réunion",
    documents: "Documents",
    statements: "Déclarations",
    groupBy: "Grouper par",
    groupDocumentsBy: "Grouper les documents par",
    kind: "Type",
    agendaItem: "Point de l’ordre du jour",
    showing: (number: ComponentChildren, title: string) => (
      <>
        Point {number} de l’ordre du jour{NNBSP}: {title}{" "}
      </>
    ),
    showAll: "Tout afficher",
    noDocuments: "Aucun document.",
    notUnderItem: "Hors ordre du jour",
    noStatements: "Aucune déclaration.",
    allDelegations: "Toutes les délégations",
    allDays: "Tous les jours",
    statementsShown: (n: number, total: number) =>
      n === total
        ? `${n} déclaration${n > 1 ? "s" : ""}`
        : `${n} déclaration${n > 1 ? "s" : ""} sur ${total}`,
    sortBy: "Ordre",
    byDate: "par date",
    byDelegation: "par délégation",
    date: "Date",
    delegation: "Délégation",
    speaker: "Orateur",
    text: "Texte",
    onBehalfOf: (group: string) => `au nom de ${group}`,
    readText: "Lire le texte",
    noText: "Pas de texte",
    whatsNew: "Nouveautés",
    whatsNewHelp: "Les documents arrivés ou modifiés depuis votre dernière lecture.",
    markAllRead: "Tout marquer comme lu",
    fresh: { new: "Nouveau", updated: "Mis à jour" },
  },
  kinds: {
    plural: {
      agenda: "Ordre du jour",
      draft: "Projets",
      working_paper: "Documents de travail",
      report: "Rapports",
      statement: "Déclarations",
      information: "Documents d’information",
      press: "Presse",
    },
    singular: {
      agenda: "Ordre du jour",
      draft: "Projet",
      working_paper: "Document de travail",
      report: "Rapport",
      statement: "Déclaration",
      information: "Document d’information",
      press: "Communiqué de presse",
    },
  },
  notes: {
    toolbar: "Annoter la sélection",
    highlightIn: (color: string) => `Surligner en ${color}`,
    colors: { yellow: "jaune", green: "vert", blue: "bleu", pink: "rose", purple: "violet" },
    addNote: "Ajouter une note",
    attachHere: "Rattacher la note ici",
    panel: "Notes sur ce document",
    title: (c: number) => (c === 0 ? "Notes" : `Notes (${c})`),
    filterByTag: "Afficher les notes avec l’étiquette",
    allTags: "Toutes les étiquettes",
    empty:
      "Sélectionnez du texte dans le document pour le surligner ou ajouter une note. Les notes restent sur cet ordinateur sauf si vous les partagez.",
    deleted: "Note supprimée.",
    undo: "Annuler",
    unplacedTitle: (c: number) => `Non placées dans cette révision (${c})`,
    unplacedHelp:
      "Leur texte ne se retrouve plus tel quel. Ouvrez chacune sur la révision où elle a été prise, ou sélectionnez un nouveau texte pour l’y rattacher.",
    showInDocument: "Afficher dans le document",
    page: (p: number) => `page ${p}`,
    wasWording: "Avant :",
    openOn: (label: string) => `Ouvrir sur ${label}`,
    shareLabel: "Partagée avec",
    private: "Moi seul·e",
    sharedBy: (author: string, group: string) => `Partagée par ${author} avec ${group}`,
    sharePending: "Pas encore envoyée : elle le sera dès que le serveur répondra",
    lastEditedBy: (name: string) => `modifiée en dernier par ${name}`,
    edit: "Modifier",
    delete: "Supprimer",
    attach: "Rattacher à un nouveau texte",
    attachWaiting: "Sélectionnez du texte dans le document…",
    noteText: "Note",
    notePlaceholder: "Votre note (Ctrl+Entrée enregistre)",
    tags: "Étiquettes",
    tagsPlaceholder: "p. ex. dépollution, ligne rouge",
    color: "Couleur",
    author: "Auteur",
    filters: "Filtrer les notes",
    allColors: "Toutes les couleurs",
    allAuthors: "Tout le monde",
    noneInMeeting: "Aucune note ne correspond. Sélectionnez du texte dans un document pour le surligner ou ajouter une note.",
    tab: "Notes",
    outcome: {
      moved: "Déplacée : le même texte, ailleurs dans cette révision.",
      changed: "Texte modifié dans cette révision.",
      needsReview: "À vérifier :",
      orphaned: "Impossible à placer :",
      attached: "Rattachée par vous à ce texte.",
    },
  },
  reader: {
    agendaItem: "Point de l’ordre du jour",
    language: "Langue",
    revision: "Révision",
    original: "Original",
    noVersions: "Ce document n’a pas encore de version publiée.",
    notDownloaded: "Cette version n’a pas encore été téléchargée sur cet ordinateur.",
    notDownloadedDetail: (lang: string, label: string, date: string) =>
      `${lang}, ${label} (${date}). Elle sera lisible hors ligne dès que Plenary l’aura téléchargée.`,
    wordUnreadable: "Le texte de ce document Word n’a pas pu être lu.",
    wordNotYet: "Le texte de ce document Word n’est pas encore arrivé.",
    wordLater: "Il sera lisible dès que Plenary l’aura synchronisé.",
    cannotShow: "Ce document ne peut pas être affiché.",
  },
  compare: {
    open: "Comparer",
    openTitle: "Comparer cette révision avec la précédente, mot à mot",
    title: "Comparer des révisions",
    crumb: "Comparer",
    from: "De",
    to: "À",
    swap: "Inverser",
    swapTitle: "Inverser les deux révisions",
    view: "Affichage",
    sideBySide: "Côte à côte",
    inline: "Intégré",
    onlyNotes: (c: number) => `Seulement les modifications touchant mes notes (${c})`,
    onlyNotesNone: "Aucune modification ne touche vos notes.",
    previous: "Modification précédente",
    next: "Modification suivante",
    shortcutHint: `Touches${NNBSP}: N modification suivante, P modification précédente.`,
    position: (i: number, c: number) =>
      c === 0 ? "Aucune modification" : i === 0 ? n(c, "modification", "modifications") : `Modification ${i} sur ${c}`,
    positionOfSome: (i: number, c: number, all: number) =>
      c === 0
        ? `Aucune des ${all} modifications affichée`
        : i === 0
          ? `${c} modifications sur ${all}`
          : `Modification ${i} sur ${c} (${all} en tout)`,
    showRenumbering: (c: number) => `Afficher les renumérotations (${c})`,
    renumbered: (c: number) =>
      c === 1 ? "L’une d’elles ne fait que renuméroter un paragraphe." : `${c} d’entre elles ne font que renuméroter des paragraphes.`,
    summary: "Résumé",
    count: (c: number) => (c === 0 ? "Aucune modification" : n(c, "modification", "modifications")),
    kinds: {
      insert: "Ajouté",
      delete: "Supprimé",
      replace: "Remplacé",
      move: "Déplacé",
    },
    kindCounts: (ins: number, del: number, rep: number, mov: number) =>
      [
        ins ? n(ins, "ajout", "ajouts") : "",
        del ? n(del, "suppression", "suppressions") : "",
        rep ? n(rep, "remplacement", "remplacements") : "",
        mov ? n(mov, "déplacement", "déplacements") : "",
      ]
        .filter(Boolean)
        .join(" · "),
    words: (ins: number, del: number) =>
      `${n(ins, "mot ajouté", "mots ajoutés")}, ${n(del, "mot supprimé", "mots supprimés")}`,
    where: "Où",
    changesHere: (c: number) => n(c, "modification", "modifications"),
    page: (p: number) => `page ${p}`,
    paragraph: (p: string) => `paragraphe ${p}`,
    headingParagraph: (h: string, p: string) => `${h}, paragraphe ${p}`,
    furniture: (c: number) =>
      `${n(c, "ligne", "lignes")} d’en-têtes, de cotes et de numéros de page ignorées.`,
    oldColumn: (label: string) => `${label} (avant)`,
    newColumn: (label: string) => `${label} (après)`,
    deleted: `supprimé${NNBSP}:`,
    inserted: `ajouté${NNBSP}:`,
    endDeleted: "fin de la suppression",
    endInserted: "fin de l’ajout",
    movedFrom: "Déplacé d’ici",
    movedTo: "Déplacé ici",
    goToNewPlace: "aller à sa nouvelle place",
    goToOldPlace: "aller à son ancienne place",
    changeNumber: (i: number) => `modification ${i}`,
    touchesNotes: (c: number) => (c === 1 ? "touche une de vos notes" : `touche ${c} de vos notes`),
    onlyOne: (lang: string) =>
      `Ce document n’existe qu’en une version en ${lang}${NNBSP}: il n’y a encore rien à comparer.`,
    onlyOneDetail: "Quand une nouvelle révision sera publiée, elle pourra être comparée ici avec la précédente.",
    sameVersion: "Les deux côtés montrent la même révision. Choisissez-en une autre pour comparer.",
    noDifferences:
      "Ces deux révisions ont le même texte (hors espaces, retours à la ligne et en-têtes de page).",
    textMissing: (label: string) => `Le texte de ${label} n’est pas disponible${NNBSP}: il ne peut pas être comparé.`,
    textNotYet: `Son texte n’est pas encore arrivé sur cet ordinateur${NNBSP}; Plenary le récupère à la prochaine synchronisation.`,
    textUnavailable: (reason: string) => `Le serveur n’a pas pu en extraire le texte${NNBSP}: ${reason}.`,
    backToReader: "Retour au document",
    computing: "Comparaison…",
  },
  pdf: {
    toolbar: "Outils du document",
    zoomIn: "Zoom avant",
    zoomOut: "Zoom arrière",
    fitWidth: "Pleine largeur",
    fitWidthTitle: "Ajuster la largeur de la page à la fenêtre",
    pages: (c: number) => n(c, "page", "pages"),
    page: "Page",
    pageOf: (p: number, total: number) => `Page ${p} sur ${total}`,
    goToPage: "Aller à la page",
    opening: "Ouverture du PDF…",
    cannotShow: "Ce PDF ne peut pas être affiché.",
    documentPages: "Pages du document",
    find: "Rechercher dans le document",
    findPlaceholder: "Rechercher dans ce document",
    findNext: "Occurrence suivante",
    findPrevious: "Occurrence précédente",
    matches: (i: number, c: number) => (c === 0 ? "Aucune occurrence" : `${i} sur ${c}`),
  },
  publish: {
    open: "Publier une version…",
    orDrop: "ou déposez un fichier sur le document",
    dropHere: (what: ComponentChildren) => <>Déposez pour publier une nouvelle version de {what}</>,
    title: (what: string) => `Publier une version de ${what}`,
    chooseFile: "Choisissez un fichier.",
    wrongType: "Seuls les fichiers PDF, Word (.docx), HTML et texte peuvent être publiés.",
    giveLabel: "Donnez un libellé à la révision.",
    allExist: "Toutes les révisions existent déjà dans cette langue.",
    file: "Fichier",
    language: "Langue",
    thisFileIs: "Ce fichier est",
    newRevision: "une nouvelle révision, intitulée",
    noTranslation: (lang: string) =>
      `une autre langue d’une révision existante (toutes les révisions existent déjà en ${lang})`,
    translationOf: (lang: string) => `la version ${lang} de`,
    summary: (file: string, lang: string, doc: string, label: string) => (
      <>
        Publier <strong>{file}</strong> comme version <strong>{lang}</strong> de <strong>{doc}</strong>,{" "}
        <strong>{label}</strong>{NNBSP}? Tous les délégués connectés au serveur la recevront.
      </>
    ),
    failed: "Le serveur ne l’a pas publiée.",
    publish: "Publier",
    uploading: (file: string) => `Envoi de ${file}…`,
    published: "Publiée",
    alreadyPublished: "Ce fichier était déjà publié",
    arrived: "Elle est arrivée par le flux et se trouve sur cet ordinateur.",
    waiting: "En attente de son arrivée par le flux…",
    openIt: "L’ouvrir",
  },
  settings: {
    title: "Paramètres",
    interface: "Interface",
    interfaceLanguage: "Langue de l’interface",
    followSystem: "Celle du système",
    documentLanguages: "Langues des documents",
    documentLanguagesHelp:
      "Les documents s’ouvrent dans la première de ces langues où ils existent. Montez une langue pour la préférer.",
    moveUp: (lang: string) => `Monter ${lang}`,
    moveDown: (lang: string) => `Descendre ${lang}`,
    remove: (lang: string) => `Retirer ${lang}`,
    add: "Ajouter une langue",
    noPreference: "Aucune préférence : les langues du système, puis l’anglais.",
    server: "Serveur",
    serverHelp: "L’adresse et le jeton d’accès que votre secrétariat vous a donnés.",
    serverAddress: "Adresse du serveur",
    token: "Jeton d’accès",
    tokenKept: "Un jeton est enregistré. Laissez vide pour le garder.",
    tokenNone: "Aucun jeton (réunions publiques seulement).",
    removeToken: "Supprimer le jeton enregistré",
    serverFromCommandLine: (url: string) =>
      `Plenary a été lancé avec le serveur ${url} sur sa ligne de commande ; lancez-le sans --server pour en choisir un ici.`,
    saved: "Enregistré.",
    connectTo: "Enregistrer et se connecter",
    offline: "Copies hors ligne",
    offlineHelp:
      "Plenary télécharge les fichiers de ces langues pour qu’ils soient lisibles sans réseau. Les titres et les listes sont conservés dans toutes les langues.",
    allLanguages: "Toutes les langues",
    onlyThese: `Seulement ces langues${NNBSP}:`,
    space: "Espace utilisé",
    spaceTotal: (size: string) => `Les fichiers téléchargés occupent ${size}.`,
    spaceByLanguage: "Par langue",
    spaceUnreferenced: (size: string) => `${size} de fichiers qui ne servent plus.`,
    freeSpace: "Libérer de l’espace",
    freeSpaceHelp: "Supprime les fichiers des langues que vous ne gardez plus et des versions retirées.",
    freed: (count: number, size: string) => `${n(count, "fichier supprimé", "fichiers supprimés")} (${size}).`,
    clear: "Supprimer tous les fichiers téléchargés…",
    clearHelp:
      "Supprime de cet ordinateur tous les documents téléchargés. Vos notes et vos paramètres restent ; Plenary télécharge à nouveau ce que vous gardez hors ligne à la prochaine synchronisation.",
    clearConfirm: `Supprimer de cet ordinateur tous les fichiers téléchargés${NNBSP}?`,
    clearYes: "Les supprimer",
    cacheFolder: "Dossier du cache",
  },
  search: {
    placeholder: "Rechercher dans tous les documents",
    label: "Rechercher",
    title: "Recherche",
    button: "Rechercher",
    results: (c: number) => (c === 0 ? "Aucun document trouvé" : n(c, "document trouvé", "documents trouvés")),
    fallback: "La syntaxe de la recherche n’a pas pu être lue ; ces résultats contiennent les mots seuls.",
    empty:
      "Saisissez des mots pour chercher dans tous les documents de cet ordinateur, dans toutes les langues, hors ligne.",
    tips: "Astuces : « des mots entre guillemets » trouvent une expression, mot* trouve les fins de mots, -mot exclut, OR propose des variantes.",
    noHits: "Aucun résultat. Vérifiez l’orthographe, retirez un filtre ou cherchez dans toutes les langues.",
    allLanguages: "Toutes les langues",
    allKinds: "Tous les types",
    allMeetings: "Toutes les réunions",
    allRevisions: "Inclure les révisions antérieures",
    page: (p: number) => `page ${p}`,
    alsoPages: (pages: string) => `aussi pages ${pages}`,
    more: "Plus de résultats",
    from: "Du",
    to: "Au",
    anyDate: "toute date",
    agendaItem: "Point de l’ordre du jour",
    anyItem: "Tous les points",
  },
  notesExport: {
    group: "Exporter, rapporter et importer les notes",
    exportW3c: "Exporter (W3C JSON-LD)",
    reportHtml: "Rapport (HTML)",
    reportMarkdown: "Rapport (Markdown)",
    import: "Importer…",
    working: "En cours…",
    saved: (c: number, file: string) => `${n(c, "note enregistrée", "notes enregistrées")} dans ${file}, dans le dossier`,
    openFolderHint:
      "Ouvrez ce dossier dans votre gestionnaire de fichiers pour le trouver. Le rapport HTML s’imprime en PDF depuis un navigateur.",
    imported: (total: number, created: number, updated: number, unchanged: number) =>
      `${n(total, "annotation lue", "annotations lues")}${NNBSP}: ${created} nouvelle(s), ${updated} mise(s) à jour, ${unchanged} déjà présente(s).`,
    keptLocal: (c: number) =>
      `${n(c, "note gardée", "notes gardées")} telle(s) quelle(s)${NNBSP}: vos modifications sont plus récentes que celles du fichier.`,
    notInCache: (c: number) =>
      `${n(c, "annotation porte", "annotations portent")} sur des documents absents de cet ordinateur${NNBSP}; ${c <= 1 ? "elle n’a pas été importée" : "elles n’ont pas été importées"}.`,
    skipped: (c: number) => `${n(c, "annotation non importée", "annotations non importées")}`,
    skipReasons: {
      not_in_cache: "Elle porte sur un document absent de cet ordinateur.",
      no_text_selector: "Elle n’indique pas sur quels mots du document elle porte.",
      other_document: "Une note avec le même identifiant existe sur un autre document.",
      too_large: "Son texte est trop long pour une note.",
    },
    invalidTitle: "Ce fichier n’est pas un fichier d’annotations W3C que Plenary sait lire.",
    invalidHelp:
      "Choisissez un fichier exporté de Plenary ou d’un autre outil d’annotation au format W3C Web Annotation (JSON-LD). Rien n’a été importé.",
    tooLarge: "Ce fichier est trop volumineux pour être un fichier de notes.",
  },
};
